import ArgumentParser
import TollgateBilling
import TollgateEngine

/// `tollgate rebuild --data DIR [--json]`: deletes every derived file (snapshots, audit index) and rebuilds them
/// from the log: a full replay from the first record, a fresh snapshot, the audit index of every sealed segment.
struct RebuildCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rebuild",
        abstract: "Discard derived files (snapshots, audit index) and rebuild them from the log.")

    @OptionGroup var dataOptions: DataOptions
    @OptionGroup var billingOptions: BillingOptions
    @ArgumentParser.Flag(name: .long, help: "Print JSON.") var json = false

    func run() throws {
        let billing = try billingOptions.configuration()
        let report = try Scan.run("rebuild") { progress throws(EngineError) in
            try Rebuild.run(directory: dataOptions.data, billing: billing, progress: progress)
        }
        if json {
            StandardStreams.write(report.json.rendered + "\n")
            return
        }
        var text = "records   \(report.recordCount)\nremoved   \(report.removed.count) derived files\n"
        text += "snapshot  \(report.snapshotName.map { SnapshotStore.directoryName + "/" + $0 } ?? "- (empty log)")\n"
        text += "index     \(report.indexLines.count) segment files built\n"
        StandardStreams.write(text)
    }
}
