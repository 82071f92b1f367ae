import ArgumentParser
import TollgateLog

/// `tollgate log verify`: checks every checksum, the hash chain, seq contiguity, sealed frames, indexes and
/// footers. Exit 0 only when no problem is found (a torn tail is reported but is not a problem: the next open
/// truncates it).
struct LogVerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify", abstract: "Verify every record, checksum and the hash chain of the log.")

    @OptionGroup var dataOptions: DataOptions
    @ArgumentParser.Flag(name: .long, help: "Print one JSON object.") var json = false

    func run() throws {
        let result = verifyLog(directory: dataOptions.data)
        if json {
            let problems = result.problems.map { problem in
                "{\"seq\":\(JSONText.optional(problem.seq)),\"file\":\(JSONText.string(problem.file)),"
                    + "\"offset\":\(JSONText.optional(problem.offset)),\"detail\":\(JSONText.string(problem.detail))}"
            }
            let torn =
                result.tornTail.map {
                    "{\"file\":\(JSONText.string($0.file)),\"offset\":\($0.offset),\"sizeBytes\":\($0.sizeBytes),"
                        + "\"seq\":\($0.seq),\"reason\":\(JSONText.string($0.reason))}"
                } ?? "null"
            let notes = result.notes.map { JSONText.string($0) }
            print(
                "{\"ok\":\(result.ok),\"recordCount\":\(result.recordCount),\"firstSeq\":\(JSONText.optional(result.firstSeq)),"
                    + "\"lastSeq\":\(JSONText.optional(result.lastSeq)),\"segmentCount\":\(result.segmentCount),"
                    + "\"sealedSegmentCount\":\(result.sealedSegmentCount),\"problems\":[\(problems.joined(separator: ","))],"
                    + "\"tornTail\":\(torn),\"notes\":[\(notes.joined(separator: ","))]}")
        } else {
            let range = result.firstSeq.map { "seq \($0)...\(result.lastSeq!)" } ?? "empty"
            print(
                "\(result.ok ? "ok" : "FAILED"): \(result.recordCount) records (\(range)) in \(result.segmentCount) segments "
                    + "(\(result.sealedSegmentCount) sealed)")
            for problem in result.problems { print("problem: \(problem)") }
            if let torn = result.tornTail {
                print(
                    "torn tail: \(torn.file) at byte \(torn.offset), \(torn.sizeBytes) bytes (seq \(torn.seq)): \(torn.reason)"
                )
            }
            for note in result.notes { print("note: \(note)") }
        }
        if !result.ok { throw ExitCode(1) }
    }
}
