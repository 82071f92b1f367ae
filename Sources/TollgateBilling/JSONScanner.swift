/// A strict JSON (RFC 8259) scanner over UTF-8 bytes, built for one short command line at a time.
///
/// It never builds a tree: it walks the bytes once, validates them (syntax, escapes, UTF-8, surrogate pairs,
/// nesting depth) and hands out ``JSONToken``s — byte ranges into the same buffer — that the caller interprets
/// by type. Nothing here allocates except ``decodedString(_:)`` on strings that contain escapes.
///
/// The buffer is borrowed: a scanner and its tokens are valid only inside the `withContiguousStorage…` call that
/// produced the pointer.
struct JSONScanner {
    let bytes: UnsafeBufferPointer<UInt8>
    /// Index of the next unread byte.
    var index: Int

    /// The largest buffer a scanner accepts: token offsets are 32-bit.
    static let sizeBytesMax = Int(UInt32.max)

    /// The deepest nesting of arrays and objects accepted (the top-level object is depth 1).
    static let depthMax = 64

    init(_ bytes: UnsafeBufferPointer<UInt8>, index: Int = 0) {
        precondition(bytes.count <= Self.sizeBytesMax, "JSON buffer beyond 32-bit offsets")
        self.bytes = bytes
        self.index = index
    }

    /// A syntax error at a byte offset of the scanned buffer.
    struct Error: Swift.Error, Hashable {
        var offset: Int
        var reason: String
    }

    var isAtEnd: Bool { index >= bytes.count }

    /// The next byte, or nil at the end.
    @inline(__always)
    func peek() -> UInt8? {
        index < bytes.count ? bytes[index] : nil
    }

    /// Skips JSON whitespace: space, tab, line feed, carriage return.
    @inline(__always)
    mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    @inline(__always)
    func error(_ reason: String, at offset: Int? = nil) -> Error {
        Error(offset: offset ?? index, reason: reason)
    }

    @inline(__always)
    mutating func expect(_ byte: UInt8, _ what: String) throws(Error) {
        guard index < bytes.count, bytes[index] == byte else {
            throw error(isAtEnd ? "unexpected end of input, expected \(what)" : "expected \(what)")
        }
        index += 1
    }

    // MARK: Objects and arrays

    /// Reads the next member key of an object whose `{` has been consumed, and the `:` after it; nil after the
    /// closing `}`. `isFirst` must start true for each object.
    @inline(__always)
    mutating func nextObjectKey(isFirst: inout Bool) throws(Error) -> JSONToken? {
        skipWhitespace()
        guard index < bytes.count else { throw error("unexpected end of input inside an object") }
        if isFirst {
            isFirst = false
            if bytes[index] == UInt8(ascii: "}") {
                index += 1
                return nil
            }
        } else {
            switch bytes[index] {
            case UInt8(ascii: ","):
                index += 1
                skipWhitespace()
            case UInt8(ascii: "}"):
                index += 1
                return nil
            default:
                throw error("expected ',' or '}' in an object")
            }
        }
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
            throw error("expected a string key in an object")
        }
        let key = try scanString()
        skipWhitespace()
        try expect(UInt8(ascii: ":"), "':' after an object key")
        skipWhitespace()
        return key
    }

    /// Positions before the next element of an array whose `[` has been consumed; false after the closing `]`.
    /// `isFirst` must start true for each array.
    @inline(__always)
    mutating func nextArrayElement(isFirst: inout Bool) throws(Error) -> Bool {
        skipWhitespace()
        guard index < bytes.count else { throw error("unexpected end of input inside an array") }
        if isFirst {
            isFirst = false
            if bytes[index] == UInt8(ascii: "]") {
                index += 1
                return false
            }
        } else {
            switch bytes[index] {
            case UInt8(ascii: ","):
                index += 1
                skipWhitespace()
            case UInt8(ascii: "]"):
                index += 1
                return false
            default:
                throw error("expected ',' or ']' in an array")
            }
        }
        return true
    }

    // MARK: Values

    /// Scans one value at the current position (whitespace already skipped), validating it completely and
    /// skipping over nested arrays and objects. `depth` is the nesting depth of the container holding the value.
    mutating func scanValue(depth: Int) throws(Error) -> JSONToken {
        guard index < bytes.count else { throw error("unexpected end of input, expected a value") }
        let start = index
        switch bytes[index] {
        case UInt8(ascii: "\""):
            return try scanString()
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return try scanNumber()
        case UInt8(ascii: "t"):
            try scanLiteral("true")
            return JSONToken(kind: .true, start: start, end: index)
        case UInt8(ascii: "f"):
            try scanLiteral("false")
            return JSONToken(kind: .false, start: start, end: index)
        case UInt8(ascii: "n"):
            try scanLiteral("null")
            return JSONToken(kind: .null, start: start, end: index)
        case UInt8(ascii: "{"):
            guard depth < Self.depthMax else { throw error("nesting deeper than \(Self.depthMax)") }
            index += 1
            var isFirst = true
            while try nextObjectKey(isFirst: &isFirst) != nil {
                _ = try scanValue(depth: depth + 1)
            }
            return JSONToken(kind: .object, start: start, end: index)
        case UInt8(ascii: "["):
            guard depth < Self.depthMax else { throw error("nesting deeper than \(Self.depthMax)") }
            index += 1
            var isFirst = true
            while try nextArrayElement(isFirst: &isFirst) {
                _ = try scanValue(depth: depth + 1)
            }
            return JSONToken(kind: .array, start: start, end: index)
        default:
            throw error("expected a value")
        }
    }

    private mutating func scanLiteral(_ literal: StaticString) throws(Error) {
        let count = literal.utf8CodeUnitCount
        guard bytes.count - index >= count else { throw error("invalid literal") }
        let text = literal.utf8Start
        for offset in 0..<count where bytes[index + offset] != text[offset] {
            throw error("invalid literal")
        }
        index += count
    }

    /// Scans a number literal: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`. Its value is interpreted later
    /// (``DecimalNumber``), exactly.
    mutating func scanNumber() throws(Error) -> JSONToken {
        let start = index
        guard let (_, end) = DecimalNumber.parse(bytes, from: index) else { throw error("invalid number") }
        index = end
        return JSONToken(kind: .number, start: start, end: end)
    }

    /// Scans a string whose opening quote is at the current position: validates escapes (surrogate pairs must
    /// pair up), rejects raw control characters and invalid UTF-8. The token covers the content between quotes.
    mutating func scanString() throws(Error) -> JSONToken {
        index += 1  // the opening quote
        let start = index
        var hasEscapes = false
        while true {
            // Fast path: 8 bytes at a time while none needs a closer look.
            while bytes.count - index >= 8, !Self.needsAttention(Self.word(bytes, at: index)) { index += 8 }
            // Then plain printable ASCII byte by byte.
            while index < bytes.count {
                let byte = bytes[index]
                guard byte >= 0x20, byte < 0x80, byte != UInt8(ascii: "\""), byte != UInt8(ascii: "\\") else {
                    break
                }
                index += 1
            }
            guard index < bytes.count else { throw error("unterminated string") }
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                let token = JSONToken(kind: .string, start: start, end: index, hasEscapes: hasEscapes)
                index += 1
                return token
            } else if byte == UInt8(ascii: "\\") {
                hasEscapes = true
                try scanEscape()
            } else if byte < 0x20 {
                throw error("control character in a string (must be escaped)")
            } else {
                try scanUTF8Sequence()
            }
        }
    }

    /// Eight bytes from `offset` as a little-endian word (unaligned load).
    @inline(__always)
    static func word(_ bytes: UnsafeBufferPointer<UInt8>, at offset: Int) -> UInt64 {
        UInt64(littleEndian: UnsafeRawPointer(bytes.baseAddress! + offset).loadUnaligned(as: UInt64.self))
    }

    /// Whether any byte of `word` is a control character (< 0x20), non-ASCII (≥ 0x80), `"` or `\` — SWAR
    /// "has a byte less than n" / "has a zero byte" tests; a false alarm only costs the byte loop.
    @inline(__always)
    static func needsAttention(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highBits: UInt64 = 0x8080_8080_8080_8080
        let quote = word ^ (ones &* 0x22)
        let backslash = word ^ (ones &* 0x5C)
        let control = word &- ones &* 0x20
        let hasZero = ((quote &- ones) & ~quote) | ((backslash &- ones) & ~backslash)
        return ((hasZero | (control & ~word) | word) & highBits) != 0
    }

    private mutating func scanEscape() throws(Error) {
        let escapeStart = index
        index += 1
        guard index < bytes.count else { throw error("unterminated escape") }
        switch bytes[index] {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
            UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
            index += 1
        case UInt8(ascii: "u"):
            index += 1
            let unit = try scanHex4()
            // A high surrogate followed by a low one is a pair. A lone surrogate is valid JSON grammar (RFC 8259
            // §8.2 leaves its meaning open): it is accepted and decodes to U+FFFD (docs/input-grammar.md).
            if (0xD800...0xDBFF).contains(unit), bytes.count - index >= 6, bytes[index] == UInt8(ascii: "\\"),
                bytes[index + 1] == UInt8(ascii: "u")
            {
                let lowStart = index
                index += 2
                let low = try scanHex4()
                if !(0xDC00...0xDFFF).contains(low) { index = lowStart }  // scanned again as its own escape
            }
        default:
            throw error("invalid escape", at: escapeStart)
        }
    }

    private mutating func scanHex4() throws(Error) -> UInt32 {
        guard bytes.count - index >= 4 else { throw error("truncated \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let digit = Self.hexValue(bytes[index]) else { throw error("invalid \\u escape") }
            value = value << 4 | digit
            index += 1
        }
        return value
    }

    @inline(__always)
    static func hexValue(_ byte: UInt8) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(byte - UInt8(ascii: "A") + 10)
        default: nil
        }
    }

    /// Validates one multi-byte UTF-8 sequence (Unicode 15, table 3-7: no overlongs, no surrogates, ≤ U+10FFFF).
    private mutating func scanUTF8Sequence() throws(Error) {
        let lead = bytes[index]
        let continuationCount: Int
        var secondRange: ClosedRange<UInt8> = 0x80...0xBF
        switch lead {
        case 0xC2...0xDF: continuationCount = 1
        case 0xE0: continuationCount = 2; secondRange = 0xA0...0xBF
        case 0xE1...0xEC, 0xEE...0xEF: continuationCount = 2
        case 0xED: continuationCount = 2; secondRange = 0x80...0x9F
        case 0xF0: continuationCount = 3; secondRange = 0x90...0xBF
        case 0xF1...0xF3: continuationCount = 3
        case 0xF4: continuationCount = 3; secondRange = 0x80...0x8F
        default: throw error("invalid UTF-8")
        }
        guard bytes.count - index > continuationCount, secondRange.contains(bytes[index + 1]) else {
            throw error("invalid UTF-8")
        }
        for offset in stride(from: 2, through: continuationCount, by: 1) where bytes[index + offset] & 0xC0 != 0x80 {
            throw error("invalid UTF-8")
        }
        index += continuationCount + 1
    }
}
