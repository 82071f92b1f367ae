/// Appends the fields of a record body: LEB128 varints (zigzag for signed values), length-prefixed UTF-8 text.
///
/// Every encoding is canonical (minimal varints, sorted maps), so equal records give equal bytes.
struct BodyWriter {
    var bytes: [UInt8]

    init(bytes: [UInt8]) { self.bytes = bytes }

    mutating func writeByte(_ value: UInt8) { bytes.append(value) }

    mutating func writeVarint(_ value: UInt64) { Varint.append(value, to: &bytes) }

    /// A value known to be ≥ 0 (amounts, quantities, counts).
    mutating func writeUnsigned(_ value: Int64) {
        assert(value >= 0, "unsigned field must be non-negative")
        writeVarint(UInt64(bitPattern: value))
    }

    mutating func writeSigned(_ value: Int64) {
        writeVarint(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }

    /// An identifier: 1–128 bytes, so one length byte.
    mutating func writeIdentifier(_ value: String) {
        let utf8 = value.utf8
        assert(!utf8.isEmpty && utf8.count <= RecordLimits.identifierSizeBytesMax, "identifier out of bounds")
        bytes.append(UInt8(truncatingIfNeeded: utf8.count))
        appendUTF8(of: value)
    }

    /// Native strings are contiguous UTF-8: one copy instead of a per-scalar walk.
    private mutating func appendUTF8(of value: String) {
        let copied: Void? = value.utf8.withContiguousStorageIfAvailable { bytes.append(contentsOf: $0) }
        if copied == nil { bytes.append(contentsOf: value.utf8) }
    }

    /// Free text (`reason`, `request_id`, module rules): varint length, then UTF-8.
    mutating func writeText(_ value: String) {
        let utf8 = value.utf8
        writeVarint(UInt64(utf8.count))
        appendUTF8(of: value)
    }
}
