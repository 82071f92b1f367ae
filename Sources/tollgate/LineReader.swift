#if canImport(Glibc)
import Glibc
#endif

/// Splits a byte stream into lines, handing back every complete line available after one `read(2)`.
struct LineReader {
    enum Line {
        case text([UInt8])
        /// A line longer than `lineSizeBytesMax`; its bytes are dropped.
        case oversize(sizeBytes: Int)
    }

    struct ReadError: Error, CustomStringConvertible {
        var description: String
    }

    /// Longest accepted input line; `module_rules` is bounded at 16 KiB of compact JSON, so this is generous.
    static let lineSizeBytesMax = 1 << 20
    static let readSizeBytes = 1 << 20

    let descriptor: Int32
    private var buffer: [UInt8] = []
    /// Start of the unconsumed bytes in `buffer`.
    private var start = 0
    private var atEndOfInput = false
    /// Set while skipping the rest of an oversize line.
    private var discardedSizeBytes: Int?

    init(descriptor: Int32) {
        self.descriptor = descriptor
        buffer.reserveCapacity(Self.readSizeBytes * 2)
    }

    /// The complete lines available now (reading once more if there are none); nil at end of input.
    mutating func nextChunk(lineCountMax: Int) throws -> [Line]? {
        precondition(lineCountMax > 0)
        var lines: [Line] = []
        while lines.isEmpty {
            takeLines(into: &lines, lineCountMax: lineCountMax)
            if !lines.isEmpty { break }
            if atEndOfInput {
                // A last line without its newline still counts.
                if let discarded = discardedSizeBytes {
                    discardedSizeBytes = nil
                    return [.oversize(sizeBytes: discarded + buffer.count - start)]
                }
                if start < buffer.count {
                    let last = Array(buffer[start...])
                    start = buffer.count
                    return [.text(last)]
                }
                return nil
            }
            try fill()
        }
        return lines
    }

    private mutating func takeLines(into lines: inout [Line], lineCountMax: Int) {
        var cursor = start
        let end = buffer.count
        while lines.count < lineCountMax, cursor < end {
            guard let newline = buffer[cursor..<end].firstIndex(of: UInt8(ascii: "\n")) else { break }
            if let discarded = discardedSizeBytes {
                lines.append(.oversize(sizeBytes: discarded + newline - cursor))
                discardedSizeBytes = nil
            } else if newline - cursor > Self.lineSizeBytesMax {
                lines.append(.oversize(sizeBytes: newline - cursor))
            } else {
                lines.append(.text(Array(buffer[cursor..<newline])))
            }
            cursor = newline + 1
        }
        start = cursor
        // An unfinished line that is already too long: drop its bytes, remember its size.
        if end - start > Self.lineSizeBytesMax, !buffer[start..<end].contains(UInt8(ascii: "\n")) {
            discardedSizeBytes = (discardedSizeBytes ?? 0) + end - start
            start = end
        }
    }

    private mutating func fill() throws {
        if start > 0 {
            buffer.removeSubrange(0..<start)
            start = 0
        }
        let oldCount = buffer.count
        buffer.append(contentsOf: repeatElement(0, count: Self.readSizeBytes))
        while true {
            let count = buffer.withUnsafeMutableBytes { raw in
                read(descriptor, raw.baseAddress! + oldCount, Self.readSizeBytes)
            }
            if count < 0 {
                if errno == EINTR { continue }
                buffer.removeSubrange(oldCount...)
                throw ReadError(description: "reading input failed: \(String(cString: strerror(errno)))")
            }
            buffer.removeSubrange((oldCount + count)...)
            if count == 0 { atEndOfInput = true }
            return
        }
    }
}
