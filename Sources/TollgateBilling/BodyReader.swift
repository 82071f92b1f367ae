/// Reads the fields `BodyWriter` wrote, checking bounds and canonical form at every step.
///
/// Reading advances `offset`; a failure is a `RecordDecodingError`, never a trap.
/// Used only inside `withUnsafeBufferPointer`-style closures; it never outlives the bytes it reads.
struct BodyReader {
    let bytes: UnsafeBufferPointer<UInt8>
    let typeTag: UInt8
    var offset = 0

    init(bytes: UnsafeBufferPointer<UInt8>, typeTag: UInt8) {
        self.bytes = bytes; self.typeTag = typeTag
    }

    var remainingCount: Int { bytes.count - offset }

    func failure(_ message: String) -> RecordDecodingError {
        RecordDecodingError(typeTag: typeTag, offset: offset, message: message)
    }

    mutating func readByte() throws(RecordDecodingError) -> UInt8 {
        guard offset < bytes.count else { throw failure("truncated") }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func readVarint() throws(RecordDecodingError) -> UInt64 {
        switch Varint.read(bytes, offset: &offset) {
        case .success(let value): return value
        case .failure(let reason): throw failure(reason.message)
        }
    }

    mutating func readUnsigned() throws(RecordDecodingError) -> Int64 {
        let raw = try readVarint()
        guard raw <= UInt64(Int64.max) else { throw failure("value out of range") }
        return Int64(raw)
    }

    mutating func readSigned() throws(RecordDecodingError) -> Int64 {
        let raw = try readVarint()
        return Int64(bitPattern: (raw >> 1) ^ (0 &- (raw & 1)))
    }

    mutating func readIdentifier() throws(RecordDecodingError) -> String {
        String(decoding: try readIdentifierBytes(), as: UTF8.self)
    }

    /// ``readIdentifier()``'s bytes, checked the same way, as a view of the body (no `String`).
    mutating func readIdentifierBytes() throws(RecordDecodingError) -> UnsafeBufferPointer<UInt8> {
        let count = Int(try readByte())
        guard count >= 1 && count <= RecordLimits.identifierSizeBytesMax else { throw failure("bad identifier length") }
        guard count <= remainingCount else { throw failure("truncated identifier") }
        for index in offset..<(offset + count) where !Identifier.isByte(bytes[index]) {
            offset = index
            throw failure("bad identifier byte")
        }
        let identifier = UnsafeBufferPointer(rebasing: bytes[offset..<(offset + count)])
        offset += count
        return identifier
    }

    mutating func readText(sizeBytesMax: Int = RecordLimits.textSizeBytesMax) throws(RecordDecodingError) -> String {
        let raw = try readVarint()
        guard raw <= UInt64(sizeBytesMax) else { throw failure("text too long") }
        let count = Int(raw)
        guard count <= remainingCount else { throw failure("truncated text") }
        let slice = UnsafeBufferPointer(rebasing: bytes[offset..<(offset + count)])
        guard let text = String(validating: slice, as: UTF8.self) else { throw failure("text is not UTF-8") }
        offset += count
        return text
    }

    mutating func readBool() throws(RecordDecodingError) -> Bool {
        switch try readByte() {
        case 0: return false
        case 1: return true
        default: throw failure("bad bool")
        }
    }

    /// An amount in `range` of millicredits.
    mutating func readAmount(_ range: ClosedRange<Int64>) throws(RecordDecodingError) -> Millicredits {
        let value = range.lowerBound < 0 ? try readSigned() : try readUnsigned()
        guard range.contains(value) else { throw failure("amount out of range") }
        return Millicredits(rawValue: value)
    }

    func expectEnd() throws(RecordDecodingError) {
        guard offset == bytes.count else { throw failure("trailing bytes") }
    }
}
