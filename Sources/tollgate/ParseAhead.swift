import TollgateBilling
import TollgateEngine

/// Reads, splits and parses `apply`'s input on its own thread (a ``ReadAhead``), ahead of the deciding thread,
/// into a bounded queue of parsed chunks (one chunk: the complete lines of one read, at most `lineCountMax`).
/// Parsing is pure, so doing it early changes nothing but speed; the deciding thread still takes the lines
/// strictly in order. The last chunk is always `.endOfInput` or `.failed`.
enum ParseAhead {
    enum Chunk: Sendable {
        case lines([Result<Command, InvalidRequest>])
        case failed(LineReader.ReadError)
        case endOfInput
    }

    /// Parsed chunks waiting for the deciding thread: bounds memory when deciding is the slower side.
    static let queuedChunkCountMax = 4

    /// Starts reading `descriptor`. Stop it with `cancel()`, not `stop()`: on a pipe the reader may be blocked in
    /// `read(2)` until the process exits.
    static func start(descriptor: Int32, lineCountMax: Int) -> ReadAhead<Chunk> {
        precondition(lineCountMax > 0)
        return ReadAhead(name: "tollgate-parse", chunkCountMax: queuedChunkCountMax) { push in
            var reader = LineReader(descriptor: descriptor)
            while true {
                let lines: [LineReader.Line]?
                do {
                    lines = try reader.nextChunk(lineCountMax: lineCountMax)
                } catch let error as LineReader.ReadError {
                    _ = push(.failed(error))
                    return
                } catch {
                    _ = push(.failed(LineReader.ReadError(description: "reading input failed: \(error)")))
                    return
                }
                guard let lines else {
                    _ = push(.endOfInput)
                    return
                }
                guard push(.lines(parse(lines))) else { return }
            }
        }
    }

    static func parse(_ lines: [LineReader.Line]) -> [Result<Command, InvalidRequest>] {
        var parsed: [Result<Command, InvalidRequest>] = []
        parsed.reserveCapacity(lines.count)
        for line in lines {
            switch line {
            case .oversize(let sizeBytes):
                parsed.append(
                    .failure(
                        InvalidRequest(message: "line of \(sizeBytes) bytes exceeds \(LineReader.lineSizeBytesMax) bytes")))
            case .text(let bytes):
                parsed.append(CommandParser.parse(bytes))
            }
        }
        return parsed
    }
}
