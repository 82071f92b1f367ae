import ArgumentParser
import TollgateBilling
import TollgateEngine

/// `tollgate snapshot --data DIR [--json]`: folds the log (from the newest valid snapshot) and writes a snapshot of
/// its end under `DIR/snapshots/`, keeping the newest three. Read-only on the log: safe next to a running writer.
struct SnapshotCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "snapshot", abstract: "Write a snapshot of the folded state (a derived file) now.")

    @OptionGroup var dataOptions: DataOptions
    @OptionGroup var billingOptions: BillingOptions
    @ArgumentParser.Flag(name: .long, help: "Print JSON.") var json = false

    func run() throws {
        let billing = try billingOptions.configuration()
        var warnings: [String] = []
        let snapshot = try Scan.run("snapshot") { progress throws(EngineError) in
            try SnapshotStore(directory: dataOptions.data).take(
                billing: billing, warnings: &warnings, progress: progress)
        }
        for warning in warnings { StandardStreams.error("tollgate: warning: \(warning)") }
        let name = snapshot.map { SnapshotStore.fileName(seq: $0.seq) }
        if json {
            StandardStreams.write(
                JSONValue.object([
                    ("snapshot", name.map(JSONValue.string) ?? .null), ("seq", snapshot.map { .int($0.seq) } ?? .null),
                    ("state_size_bytes", snapshot.map { .int(Int64($0.stateBytes.count)) } ?? .null),
                ]).rendered + "\n")
        } else if let snapshot, let name {
            StandardStreams.write(
                "snapshot  \(SnapshotStore.directoryName)/\(name)\nseq       \(snapshot.seq)\n"
                    + "state     \(snapshot.stateBytes.count) bytes\n")
        } else {
            StandardStreams.write("the log holds no record: no snapshot written\n")
        }
    }
}
