/// Fixed-width little-endian fields. `append…` grows a buffer; `get…(at:)` reads without advancing. Public for
/// the derived files built beside the log (the audit sidecar) so that they use the same checked readers.
extension Array where Element == UInt8 {
    @inline(__always) public mutating func appendLE(_ value: UInt8) { append(value) }
    @inline(__always) public mutating func appendLE(_ value: UInt16) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }
    @inline(__always) public mutating func appendLE(_ value: UInt32) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }
    @inline(__always) public mutating func appendLE(_ value: UInt64) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }
    @inline(__always) public mutating func appendLE(_ value: Int64) { appendLE(UInt64(bitPattern: value)) }

    @inline(__always) public mutating func setLE(_ value: UInt32, at offset: Int) {
        precondition(offset >= 0 && offset + 4 <= count)
        withUnsafeMutableBytes { $0.storeBytes(of: value.littleEndian, toByteOffset: offset, as: UInt32.self) }
    }
}

extension UnsafeRawBufferPointer {
    @inline(__always) public func getUInt8(at offset: Int) -> UInt8 {
        precondition(offset >= 0 && offset + 1 <= count)
        return self[offset]
    }
    @inline(__always) public func getUInt16(at offset: Int) -> UInt16 {
        precondition(offset >= 0 && offset + 2 <= count)
        return UInt16(littleEndian: loadUnaligned(fromByteOffset: offset, as: UInt16.self))
    }
    @inline(__always) public func getUInt32(at offset: Int) -> UInt32 {
        precondition(offset >= 0 && offset + 4 <= count)
        return UInt32(littleEndian: loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }
    @inline(__always) public func getUInt64(at offset: Int) -> UInt64 {
        precondition(offset >= 0 && offset + 8 <= count)
        return UInt64(littleEndian: loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }
    @inline(__always) public func getInt64(at offset: Int) -> Int64 { Int64(bitPattern: getUInt64(at: offset)) }

    @inline(__always) public func slice(_ offset: Int, _ count: Int) -> UnsafeRawBufferPointer {
        precondition(offset >= 0 && count >= 0 && offset + count <= self.count)
        return UnsafeRawBufferPointer(rebasing: self[offset..<(offset + count)])
    }
}
