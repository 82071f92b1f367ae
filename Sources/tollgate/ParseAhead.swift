import Foundation
import TollgateBilling

/// Reads, splits and parses `apply`'s input on its own thread, ahead of the deciding thread, into a bounded queue
/// of parsed chunks (one chunk: the complete lines of one read, at most `lineCountMax`). Parsing is pure, so
/// doing it early changes nothing but speed; the deciding thread still takes the lines strictly in order.
final class ParseAhead: @unchecked Sendable {
    enum Chunk {
        case lines([Result<Command, InvalidRequest>])
        case failed(LineReader.ReadError)
        case endOfInput
    }

    /// Parsed chunks waiting for the deciding thread: bounds memory when deciding is the slower side.
    static let queuedChunkCountMax = 4

    private let condition = NSCondition()
    // Under `condition`:
    private var queue: [Chunk] = []
    private var stopping = false

    init(descriptor: Int32, lineCountMax: Int) {
        precondition(lineCountMax > 0)
        let thread = Thread { [self] in run(descriptor: descriptor, lineCountMax: lineCountMax) }
        thread.name = "tollgate-parse"
        thread.start()
    }

    /// The next chunk if one is parsed already; nil when the parser is still reading or parsing.
    func takeIfReady() -> Chunk? {
        condition.lock()
        defer { condition.unlock() }
        guard !queue.isEmpty else { return nil }
        condition.broadcast()
        return queue.removeFirst()
    }

    /// The next chunk, waiting for it.
    func take() -> Chunk {
        condition.lock()
        defer { condition.unlock() }
        while queue.isEmpty { condition.wait() }
        condition.broadcast()
        return queue.removeFirst()
    }

    /// Makes the parser stop after its current read (it may stay blocked in `read(2)` on a pipe; the process
    /// exiting ends it).
    func stop() {
        condition.lock()
        defer { condition.unlock() }
        stopping = true
        condition.broadcast()
    }

    private func put(_ chunk: Chunk) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while !stopping, queue.count >= Self.queuedChunkCountMax { condition.wait() }
        guard !stopping else { return false }
        queue.append(chunk)
        condition.broadcast()
        return true
    }

    private func run(descriptor: Int32, lineCountMax: Int) {
        var reader = LineReader(descriptor: descriptor)
        while true {
            let lines: [LineReader.Line]?
            do {
                lines = try reader.nextChunk(lineCountMax: lineCountMax)
            } catch let error as LineReader.ReadError {
                _ = put(.failed(error))
                return
            } catch {
                _ = put(.failed(LineReader.ReadError(description: "reading input failed: \(error)")))
                return
            }
            guard let lines else {
                _ = put(.endOfInput)
                return
            }
            var parsed: [Result<Command, InvalidRequest>] = []
            parsed.reserveCapacity(lines.count)
            for line in lines {
                switch line {
                case .oversize(let sizeBytes):
                    parsed.append(
                        .failure(
                            InvalidRequest(
                                message: "line of \(sizeBytes) bytes exceeds \(LineReader.lineSizeBytesMax) bytes")))
                case .text(let bytes):
                    parsed.append(CommandParser.parse(bytes))
                }
            }
            guard put(.lines(parsed)) else { return }
        }
    }
}
