extension JSONScanner {
    /// Why a value has no acceptable compact text.
    enum CompactError: Swift.Error, Hashable {
        /// An object (at any depth) repeats a key; the decoded key is attached.
        case duplicateKey(String)
        /// The compact text would exceed the size limit.
        case tooLarge
    }

    /// Appends the compact JSON text of an already scanned value: insignificant whitespace dropped, object
    /// members in the given order, every string and number token byte for byte as written. Objects at any depth
    /// must not repeat a key (compared after decoding escapes).
    func appendCompactText(
        of token: JSONToken, to output: inout [UInt8], sizeBytesMax: Int
    ) throws(CompactError) {
        switch token.kind {
        case .string:
            // Include both quotes: the content sits between them.
            output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[(token.start - 1)...token.end]))
        case .number, .true, .false, .null:
            output.append(contentsOf: rawBytes(token))
        case .object:
            output.append(UInt8(ascii: "{"))
            var inner = JSONScanner(bytes, index: token.start + 1)
            var keys: Set<[UInt8]> = []
            var isFirst = true
            while let key = Self.validated({ () throws(Error) in try inner.nextObjectKey(isFirst: &isFirst) }) {
                let decodedKey = key.hasEscapes ? decodedString(key) : Array(rawBytes(key))
                guard keys.insert(decodedKey).inserted else {
                    throw .duplicateKey(String(decoding: decodedKey, as: UTF8.self))
                }
                if keys.count > 1 { output.append(UInt8(ascii: ",")) }
                output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[(key.start - 1)...key.end]))
                output.append(UInt8(ascii: ":"))
                let value = Self.validated({ () throws(Error) in try inner.scanValue(depth: 0) })
                try appendCompactText(of: value, to: &output, sizeBytesMax: sizeBytesMax)
            }
            output.append(UInt8(ascii: "}"))
        case .array:
            output.append(UInt8(ascii: "["))
            var inner = JSONScanner(bytes, index: token.start + 1)
            var isFirst = true
            var elementCount = 0
            while Self.validated({ () throws(Error) in try inner.nextArrayElement(isFirst: &isFirst) }) {
                if elementCount > 0 { output.append(UInt8(ascii: ",")) }
                elementCount += 1
                let value = Self.validated({ () throws(Error) in try inner.scanValue(depth: 0) })
                try appendCompactText(of: value, to: &output, sizeBytesMax: sizeBytesMax)
            }
            output.append(UInt8(ascii: "]"))
        }
        if output.count > sizeBytesMax { throw .tooLarge }
    }

    /// Re-walks bytes the scanner has already validated; a syntax error here is a programmer error.
    @inline(__always)
    private static func validated<T>(_ step: () throws(Error) -> T) -> T {
        do { return try step() } catch { preconditionFailure("re-scan of validated JSON failed: \(error)") }
    }
}
