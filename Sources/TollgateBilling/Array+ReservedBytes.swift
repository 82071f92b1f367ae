extension Array {
    /// The bytes of this array's storage from its first element to the end of its capacity (written or not), as an
    /// address range for `body` to advise the kernel about: a replay asks for huge pages over its per-debit tables
    /// once they are reserved (docs/engine.md, "Per-debit tables sized once"). This module makes no system call.
    /// Nothing may be read or written through the range; it is valid only during `body` (the next mutation of the
    /// array may move its storage). Empty when the array has no storage.
    package func withReservedBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        let capacityBytes = capacity * MemoryLayout<Element>.stride
        return try withUnsafeBufferPointer { elements in
            try body(
                UnsafeRawBufferPointer(
                    start: elements.baseAddress, count: elements.baseAddress == nil ? 0 : capacityBytes))
        }
    }
}
