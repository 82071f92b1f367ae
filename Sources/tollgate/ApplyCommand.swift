import ArgumentParser
import TollgateBilling
import TollgateEngine

#if canImport(Glibc)
import Glibc
#endif

/// `tollgate apply --data DIR [FILE]`: JSON lines in, one result line out per input line, in order, each printed
/// only after its record is durable. Reads with plain `read(2)` on a parsing thread: a file arrives in large
/// chunks (decided while the previous batch syncs), a pipe in whatever is there (a line typed is answered without
/// waiting for more).
struct ApplyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "Decide commands (JSON lines) and append them durably; print one result per line."
    )

    @OptionGroup var dataOptions: DataOptions
    @OptionGroup var billingOptions: BillingOptions
    @OptionGroup var writeOptions: WriteOptions

    @Option(help: "Write a snapshot every N records (0: never).")
    var snapshotIntervalRecords: Int64 = EngineConfiguration.snapshotIntervalRecordsDefault

    @Argument(help: "File of JSON lines (default: standard input).")
    var file: String?

    func validate() throws {
        guard snapshotIntervalRecords >= 0 else { throw ValidationError("--snapshot-interval-records must be ≥ 0") }
    }

    func run() throws {
        let configuration = EngineConfiguration(
            directory: dataOptions.data, log: try writeOptions.logConfiguration(),
            billing: try billingOptions.configuration(), snapshotIntervalRecords: snapshotIntervalRecords,
            warningHandler: { StandardStreams.error("tollgate: warning: \($0)") })
        let descriptor: Int32
        if let file {
            descriptor = open(file, O_RDONLY | O_CLOEXEC)
            guard descriptor >= 0 else {
                StandardStreams.error("tollgate: error: cannot open \(file): \(String(cString: strerror(errno)))")
                throw ExitCode.failure
            }
        } else {
            descriptor = STDIN_FILENO
        }
        defer { if file != nil { close(descriptor) } }

        do {
            let engine = try Engine(configuration: configuration)
            // Three threads: parsing reads ahead, this one decides in order, the engine's committer appends and
            // syncs the previous batch meanwhile (docs/engine.md, "Pipelined commits").
            let parser = ParseAhead.start(descriptor: descriptor, lineCountMax: configuration.batchCommandCountMax)
            defer { parser.cancel() }
            let pipeline = PipelinedApply(engine: engine) { StandardStreams.write($0) }
            reading: while true {
                var chunk = parser.nextIfReady()
                if chunk == nil {
                    // The input is not there yet: answer everything decided before waiting for it.
                    try pipeline.flush()
                    chunk = parser.next()
                }
                // The parser's last chunk is `.endOfInput` or `.failed`: nil would mean it ended without one.
                guard let chunk else { preconditionFailure("the input parser ended without a last chunk") }
                switch chunk {
                case .lines(let lines): try pipeline.apply(lines)
                case .endOfInput: break reading
                case .failed(let error):
                    try pipeline.flush()
                    throw error
                }
            }
            try pipeline.flush()
            try engine.close()
        } catch let error as EngineError {
            StandardStreams.error("tollgate: error: \(error)")
            throw ExitCode.failure
        } catch let error as LineReader.ReadError {
            StandardStreams.error("tollgate: error: \(error)")
            throw ExitCode.failure
        }
    }
}
