import ArgumentParser
import TollgateBilling
import TollgateEngine

/// `tollgate index --data DIR [--json]`: builds or refreshes the derived audit index (`DIR/index/`, one file per
/// sealed segment). Keeps valid files, rebuilds missing or rejected ones, removes those of vanished segments.
/// Safe to run at any time, also while a writer appends: sealed segments never change.
struct IndexCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "index", abstract: "Build or refresh the audit index (one derived file per sealed segment).")

    @OptionGroup var dataOptions: DataOptions
    @ArgumentParser.Flag(name: .long, help: "Print JSON.") var json = false

    func run() throws {
        let lines = try Scan.run("index") { _ throws(EngineError) in
            try AuditIndexStore(directory: dataOptions.data).refresh()
        }
        if json {
            StandardStreams.write(JSONValue.object([("segments", .array(lines.map(\.json)))]).rendered + "\n")
            return
        }
        var table = TextTable([("segment", .left), ("action", .left), ("detail", .left)])
        for line in lines { table.append([line.name, line.action, line.detail ?? "-"]) }
        StandardStreams.write(table.rendered)
    }
}
