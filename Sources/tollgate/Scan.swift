import ArgumentParser
import TollgateEngine

/// Runs a query that reads the log: a progress counter on stderr while it runs (only on a terminal), and an
/// engine failure turned into one `tollgate: error: …` line and exit status 1.
enum Scan {
    static func run<Result>(
        _ label: String, _ body: (_ progress: @escaping (Int64) -> Void) throws(EngineError) -> Result
    ) throws -> Result {
        let progress = ProgressLine(label: label)
        do {
            let result = try body(progress.update)
            progress.finish()
            return result
        } catch {
            progress.finish()
            StandardStreams.error("tollgate: error: \(error)")
            throw ExitCode.failure
        }
    }
}
