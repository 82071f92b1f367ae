import ArgumentParser
import TollgateBilling
import TollgateEngine
import TollgateLog

#if canImport(Glibc)
import Glibc
#endif

/// `tollgate tail --data DIR [--from-seq N] [--follow] [--poll-ms MS]`: decoded records as JSON lines
/// (`{"seq","time","type","fields"}`), for change data capture. With `--follow` it polls for new appends and runs
/// until SIGINT or SIGTERM (exit 0) or until its reader goes away (SIGPIPE/EPIPE: exit 0).
struct TailCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tail", abstract: "Print decoded records as JSON lines; --follow keeps printing new appends.")

    @OptionGroup var dataOptions: DataOptions
    @Option(name: .customLong("from-seq"), help: "First seq to print (default 1).") var fromSeq: Int64 = 1
    @ArgumentParser.Flag(name: .long, help: "Keep polling for new records until interrupted.") var follow = false
    @Option(name: .customLong("poll-ms"), help: "Sleep between polls with --follow, 10–10000 ms.") var pollMs: Int = 200

    /// Lines written per `write` call at most (bounds the buffer while catching up on a long log).
    static let batchLineCountMax = 1024
    /// Consecutive failed reads tolerated while following (a segment being sealed under the reader).
    static let readRetryCountMax = 10

    func validate() throws {
        if fromSeq < 1 { throw ValidationError("--from-seq must be ≥ 1") }
        if !(10...10_000).contains(pollMs) { throw ValidationError("--poll-ms must be between 10 and 10000") }
    }

    func run() throws {
        TailSignals.install()
        var nextSeq = fromSeq
        // The batch of the last record printed: the next poll reads from there, not from the segment's start.
        var resumePosition: BatchPosition?
        var failedReadCount = 0
        var output = ""
        var lineCount = 0
        while !TailSignals.stopRequested {
            do {
                var reader = try LedgerReader(
                    directory: dataOptions.data, fromSeq: nextSeq, resumingAt: follow ? resumePosition : nil)
                while !TailSignals.stopRequested, let entry = try reader.next() {
                    entry.json.render(into: &output)
                    output += "\n"
                    lineCount += 1
                    nextSeq = entry.seq + 1
                    resumePosition = reader.resumePosition
                    if lineCount == Self.batchLineCountMax {
                        guard TailSignals.write(output) else { return }
                        output.removeAll(keepingCapacity: true)
                        lineCount = 0
                    }
                }
                guard TailSignals.write(output) else { return }
                output.removeAll(keepingCapacity: true)
                lineCount = 0
                failedReadCount = 0
            } catch {
                // Every good record before the failure is printed first: a consumer resumes at `nextSeq`.
                guard TailSignals.write(output) else { return }
                output.removeAll(keepingCapacity: true)
                lineCount = 0
                // A missing directory or a bad record is final; while following, a read may also race a seal, so
                // a failure is retried a few times before it counts.
                failedReadCount += 1
                if !follow || error.code == .badQuery || error.code == .undecodableRecord
                    || failedReadCount > Self.readRetryCountMax
                {
                    StandardStreams.error("tollgate: error: \(error)")
                    throw ExitCode.failure
                }
            }
            guard follow, TailSignals.pause(milliseconds: pollMs) else { return }
        }
    }
}
