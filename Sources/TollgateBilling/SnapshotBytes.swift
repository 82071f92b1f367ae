/// Why a state snapshot could not be decoded: the byte offset and what was wrong there.
public struct StateSnapshotError: Error, Sendable, CustomStringConvertible {
    public var offset: Int
    public var message: String

    public init(offset: Int, message: String) {
        self.offset = offset; self.message = message
    }

    public var description: String { "state snapshot: \(message) at byte \(offset)" }
}

/// Appends fixed-width little-endian fields and length-prefixed UTF-8 strings (the state snapshot encoding).
struct SnapshotWriter {
    var bytes: [UInt8] = []

    mutating func u8(_ value: UInt8) { bytes.append(value) }
    mutating func bool(_ value: Bool) { bytes.append(value ? 1 : 0) }

    mutating func u16(_ value: UInt16) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func u32(_ value: UInt32) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func u64(_ value: UInt64) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func i32(_ value: Int32) { u32(UInt32(bitPattern: value)) }
    mutating func i64(_ value: Int64) { u64(UInt64(bitPattern: value)) }

    /// Unsigned LEB128, minimal (``Varint``): for the one column that grows with the log (charged debits).
    mutating func varint(_ value: UInt64) { Varint.append(value, to: &bytes) }

    mutating func count(_ value: Int) {
        precondition(value >= 0 && value <= Int(UInt32.max), "snapshot count out of range")
        u32(UInt32(value))
    }

    mutating func string(_ value: String) {
        count(value.utf8.count)
        bytes.append(contentsOf: value.utf8)
    }

    mutating func optionalI64(_ value: Int64?) {
        if let value {
            u8(1)
            i64(value)
        } else {
            u8(0)
        }
    }

    mutating func optionalString(_ value: String?) {
        if let value {
            u8(1)
            string(value)
        } else {
            u8(0)
        }
    }
}

/// Reads what ``SnapshotWriter`` wrote. Every read is bounds-checked and every count is checked against the bytes
/// left before anything is allocated, so garbage gives a ``StateSnapshotError``, never a trap or a huge allocation.
struct SnapshotReader {
    let bytes: [UInt8]
    var offset = 0

    /// Strings longer than this are rejected (module rules, the longest text in a state, are ≤ 16 KiB; record
    /// texts ≤ 1 MiB).
    static let stringSizeBytesMax = 1 << 20

    init(bytes: [UInt8]) { self.bytes = bytes }

    var remainingCount: Int { bytes.count - offset }

    func failure(_ message: String) -> StateSnapshotError {
        StateSnapshotError(offset: offset, message: message)
    }

    mutating func u8() throws(StateSnapshotError) -> UInt8 {
        guard offset < bytes.count else { throw failure("truncated") }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func bool() throws(StateSnapshotError) -> Bool {
        switch try u8() {
        case 0: return false
        case 1: return true
        default:
            offset -= 1
            throw failure("bad bool")
        }
    }

    @inline(__always)
    mutating func fixed<Value: FixedWidthInteger>(_: Value.Type) throws(StateSnapshotError) -> Value {
        let sizeBytes = MemoryLayout<Value>.size
        guard remainingCount >= sizeBytes else { throw failure("truncated") }
        let start = offset
        offset += sizeBytes
        return Value(littleEndian: bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: start, as: Value.self) })
    }

    mutating func u16() throws(StateSnapshotError) -> UInt16 { try fixed(UInt16.self) }
    mutating func u32() throws(StateSnapshotError) -> UInt32 { try fixed(UInt32.self) }
    mutating func u64() throws(StateSnapshotError) -> UInt64 { try fixed(UInt64.self) }
    mutating func i32() throws(StateSnapshotError) -> Int32 { Int32(bitPattern: try u32()) }

    /// Unsigned LEB128 (``Varint``); an overlong (non-minimal), over-64-bit or over-10-byte encoding is an error.
    mutating func varint() throws(StateSnapshotError) -> UInt64 {
        var position = offset
        let result = bytes.withUnsafeBufferPointer { Varint.read($0, offset: &position) }
        offset = position
        switch result {
        case .success(let value): return value
        case .failure(let reason): throw failure(reason.message)
        }
    }

    /// A varint in 0…Int64.max.
    mutating func varint63() throws(StateSnapshotError) -> Int64 {
        let value = try varint()
        guard value <= UInt64(Int64.max) else { throw failure("varint out of range") }
        return Int64(value)
    }
    mutating func i64() throws(StateSnapshotError) -> Int64 { Int64(bitPattern: try u64()) }

    /// A count of elements each at least `elementSizeBytesMin` long: it must fit in the bytes left.
    mutating func count(elementSizeBytesMin: Int) throws(StateSnapshotError) -> Int {
        precondition(elementSizeBytesMin >= 1)
        let value = Int(try u32())
        guard value <= remainingCount / elementSizeBytesMin else {
            offset -= 4
            throw failure("count \(value) exceeds the bytes left")
        }
        return value
    }

    mutating func string() throws(StateSnapshotError) -> String {
        let sizeBytes = Int(try u32())
        guard sizeBytes <= Self.stringSizeBytesMax, sizeBytes <= remainingCount else {
            offset -= 4
            throw failure("bad string length \(sizeBytes)")
        }
        guard let text = String(validating: bytes[offset..<(offset + sizeBytes)], as: UTF8.self) else {
            throw failure("string is not UTF-8")
        }
        offset += sizeBytes
        return text
    }

    mutating func presence() throws(StateSnapshotError) -> Bool {
        switch try u8() {
        case 0: return false
        case 1: return true
        default:
            offset -= 1
            throw failure("bad presence byte")
        }
    }

    mutating func optionalI64() throws(StateSnapshotError) -> Int64? {
        try presence() ? try i64() : nil
    }

    mutating func optionalString() throws(StateSnapshotError) -> String? {
        try presence() ? try string() : nil
    }
}
