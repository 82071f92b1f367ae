extension JSONScanner {
    /// The raw bytes of a token (for a string, the still-escaped content).
    @inline(__always)
    func rawBytes(_ token: JSONToken) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(rebasing: bytes[token.start..<token.end])
    }

    /// Calls `body` with the decoded UTF-8 bytes of a string token: the buffer itself when it has no escapes
    /// (no copy), a decoded copy otherwise.
    @inline(__always)
    func withStringBytes<Result, Failure: Swift.Error>(
        _ token: JSONToken, _ body: (UnsafeBufferPointer<UInt8>) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        assert(token.kind == .string)
        if !token.hasEscapes { return try body(rawBytes(token)) }
        let decoded = decodedString(token)
        // `withUnsafeBufferPointer` rethrows untyped; keep the typed error through a Result.
        let outcome: Swift.Result<Result, Failure> = decoded.withUnsafeBufferPointer { buffer in
            do throws(Failure) { return .success(try body(buffer)) } catch { return .failure(error) }
        }
        return try outcome.get()
    }

    /// The value of a string token as a `String` (the scanner already validated its UTF-8 and escapes).
    func string(_ token: JSONToken) -> String {
        withStringBytes(token) { buffer in String(decoding: buffer, as: UTF8.self) }
    }

    /// Decodes the escapes of a validated string token into UTF-8 bytes (surrogate pairs combined, a lone
    /// surrogate as U+FFFD).
    func decodedString(_ token: JSONToken) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(token.end - token.start)
        var position = token.start
        while position < token.end {
            let byte = bytes[position]
            guard byte == UInt8(ascii: "\\") else {
                output.append(byte)
                position += 1
                continue
            }
            let escape = bytes[position + 1]
            position += 2
            switch escape {
            case UInt8(ascii: "b"): output.append(0x08)
            case UInt8(ascii: "f"): output.append(0x0C)
            case UInt8(ascii: "n"): output.append(0x0A)
            case UInt8(ascii: "r"): output.append(0x0D)
            case UInt8(ascii: "t"): output.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = hex4(at: position)
                position += 4
                if (0xD800...0xDFFF).contains(scalar) {
                    let paired =
                        scalar <= 0xDBFF && position + 6 <= token.end && bytes[position] == UInt8(ascii: "\\")
                        && bytes[position + 1] == UInt8(ascii: "u")
                        && (0xDC00...0xDFFF).contains(hex4(at: position + 2))
                    if paired {
                        let low = hex4(at: position + 2)
                        position += 6
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    } else {
                        scalar = 0xFFFD  // a lone surrogate: replacement character
                    }
                }
                Self.appendUTF8(scalar, to: &output)
            default: output.append(escape)  // `"`, `\`, `/`
            }
        }
        return output
    }

    private func hex4(at position: Int) -> UInt32 {
        var value: UInt32 = 0
        for offset in 0..<4 {
            value = value << 4 | (Self.hexValue(bytes[position + offset]) ?? 0)
        }
        return value
    }

    static func appendUTF8(_ scalar: UInt32, to output: inout [UInt8]) {
        switch scalar {
        case 0..<0x80:
            output.append(UInt8(scalar))
        case 0x80..<0x800:
            output.append(UInt8(0xC0 | scalar >> 6))
            output.append(UInt8(0x80 | scalar & 0x3F))
        case 0x800..<0x10000:
            output.append(UInt8(0xE0 | scalar >> 12))
            output.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            output.append(UInt8(0x80 | scalar & 0x3F))
        default:
            output.append(UInt8(0xF0 | scalar >> 18))
            output.append(UInt8(0x80 | scalar >> 12 & 0x3F))
            output.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            output.append(UInt8(0x80 | scalar & 0x3F))
        }
    }
}
