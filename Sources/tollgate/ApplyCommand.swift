import ArgumentParser
import TollgateBilling
import TollgateEngine

#if canImport(Glibc)
import Glibc
#endif

/// `tollgate apply --data DIR [FILE]`: JSON lines in, one result line out per input line, in order, each printed
/// only after its record is durable. Reads with plain `read(2)`: a file arrives in large chunks (one group commit
/// per chunk), a pipe in whatever is there (a line typed is answered without waiting for more).
struct ApplyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "Decide commands (JSON lines) and append them durably; print one result per line."
    )

    @OptionGroup var dataOptions: DataOptions
    @OptionGroup var billingOptions: BillingOptions
    @OptionGroup var writeOptions: WriteOptions

    @Argument(help: "File of JSON lines (default: standard input).")
    var file: String?

    func run() throws {
        let configuration = EngineConfiguration(
            directory: dataOptions.data, log: try writeOptions.logConfiguration(),
            billing: try billingOptions.configuration())
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
            var reader = LineReader(descriptor: descriptor)
            var output: [UInt8] = []
            output.reserveCapacity(1 << 20)
            while let lines = try reader.nextChunk(lineCountMax: configuration.batchCommandCountMax) {
                output.removeAll(keepingCapacity: true)
                for line in lines {
                    switch line {
                    case .oversize(let sizeBytes):
                        InvalidRequest(
                            message: "line of \(sizeBytes) bytes exceeds \(LineReader.lineSizeBytesMax) bytes"
                        ).result.renderUTF8(into: &output)
                    case .text(let bytes):
                        switch CommandParser.parse(bytes) {
                        case .failure(let invalid): invalid.result.renderUTF8(into: &output)
                        case .success(let command): try engine.stage(command).renderResult(into: &output)
                        }
                    }
                    output.append(UInt8(ascii: "\n"))
                }
                try engine.commit()
                StandardStreams.write(output)
            }
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
