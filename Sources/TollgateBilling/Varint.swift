/// Unsigned LEB128 in its minimal form: the variable-length integer of record bodies (``BodyWriter``,
/// ``BodyReader``) and of state snapshots (``SnapshotWriter``, ``SnapshotReader``). One encoder and one decoder,
/// so both formats write and accept exactly the same bytes; each reader turns a ``Failure`` into its own error.
@usableFromInline
enum Varint {
    /// The longest encoding of a `UInt64`: 10 groups of 7 bits. A constant, not stored: ``read(_:offset:)`` is
    /// inlined into other modules (a replay's debit decoding).
    @usableFromInline static var sizeBytesMax: Int { 10 }

    /// Why the bytes at an offset are not a varint.
    @usableFromInline
    enum Failure: Error, Equatable {
        case truncated, overflow, overlong, tooLong

        /// The message the decoding errors carry (unchanged since the readers had a copy each).
        var message: String {
            switch self {
            case .truncated: "truncated"
            case .overflow: "varint overflows 64 bits"
            case .overlong: "overlong varint"
            case .tooLong: "varint too long"
            }
        }
    }

    @inline(__always)
    static func append(_ value: UInt64, to bytes: inout [UInt8]) {
        var rest = value
        while rest >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }

    /// Reads one varint at `offset` and leaves `offset` past the last byte read, on failure too, so an error
    /// names the byte that broke the encoding (`bytes.count` when the bytes ran out).
    @inline(__always)
    @inlinable
    static func read(_ bytes: UnsafeBufferPointer<UInt8>, offset: inout Int) -> Result<UInt64, Failure> {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        for _ in 0..<sizeBytesMax {
            guard offset < bytes.count else { return .failure(.truncated) }
            let byte = bytes[offset]
            offset += 1
            let payload = UInt64(byte & 0x7f)
            if shift == 63 && payload > 1 { return .failure(.overflow) }
            value |= payload << shift
            if byte & 0x80 == 0 {
                if byte == 0 && shift > 0 { return .failure(.overlong) }
                return .success(value)
            }
            shift += 7
        }
        return .failure(.tooLong)
    }
}
