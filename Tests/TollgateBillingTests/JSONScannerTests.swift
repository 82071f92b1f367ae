import Testing

@testable import TollgateBilling

/// Scans `bytes` as one JSON document (whitespace around allowed); nil when valid, else the error.
private func scanError(_ bytes: [UInt8]) -> JSONScanner.Error? {
    bytes.withUnsafeBufferPointer { buffer in
        var scanner = JSONScanner(buffer)
        do throws(JSONScanner.Error) {
            scanner.skipWhitespace()
            _ = try scanner.scanValue(depth: 0)
            scanner.skipWhitespace()
            guard scanner.isAtEnd else { return scanner.error("trailing") }
            return nil
        } catch {
            return error
        }
    }
}

private func decoded(_ text: String) -> String? {
    Array(text.utf8).withUnsafeBufferPointer { buffer in
        var scanner = JSONScanner(buffer)
        guard let token = try? scanner.scanString(), scanner.isAtEnd else { return nil }
        return scanner.string(token)
    }
}

struct JSONScannerTests {
    // RFC 8259 grammar: values, whitespace, numbers, literals.
    @Test(arguments: [
        "{}", " { } ", "\t{\"a\":1}\r", "[]", "[1,2,3]", "\"\"", "0", "-0", "1.5e+10", "1E-3", "true", "false",
        "null", "{\"a\":{\"b\":[{},[],null]}}", "[\"\\u00e9\\ud83d\\ude00\"]", "\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"",
        "\"é😀\"", "123456789012345678901234567890", "0.000000000000000000000001e-99999999999999999999999",
    ])
    func acceptsValidJSON(text: String) {
        #expect(scanError(Array(text.utf8)) == nil, "\(text)")
    }

    @Test(arguments: [
        "", " ", "{", "}", "{\"a\"}", "{\"a\":}", "{\"a\":1,}", "{,}", "[1,]", "[,1]", "{a:1}", "{'a':1}",
        "{\"a\":1 \"b\":2}", "[1 2]", "01", "-", "1.", ".5", "+5", "1e", "1e+", "0x10", "NaN", "Infinity", "tru",
        "nul", "True", "\"abc", "\"\\x\"", "\"\\u12\"", "\"\\u12G4\"", "\"\\ud800\\uZZZZ\"",
        "\"a\tb\"", "\"a\nb\"", "{}{}", "{} x", "[1]]", "\"\\\"",
        "//c\n{}", "{\"a\":1}/",
    ])
    func rejectsInvalidJSON(text: String) {
        #expect(scanError(Array(text.utf8)) != nil, "\(text)")
    }

    // Invalid UTF-8 inside strings (RFC 3629; Unicode table 3-7) and any non-ASCII byte outside them.
    @Test(
        arguments: [
            [0x22, 0x80, 0x22],  // lone continuation
            [0x22, 0xC0, 0xAF, 0x22],  // overlong '/'
            [0x22, 0xC1, 0xBF, 0x22],  // overlong
            [0x22, 0xE0, 0x80, 0xAF, 0x22],  // overlong 3-byte
            [0x22, 0xED, 0xA0, 0x80, 0x22],  // encoded surrogate U+D800
            [0x22, 0xF0, 0x80, 0x80, 0xAF, 0x22],  // overlong 4-byte
            [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22],  // above U+10FFFF
            [0x22, 0xF5, 0x80, 0x80, 0x80, 0x22],  // invalid lead
            [0x22, 0xFF, 0x22],
            [0x22, 0xE2, 0x82, 0x22],  // truncated
            [0x22, 0xE2, 0x82],  // truncated at end
            [0xEF, 0xBB, 0xBF, 0x7B, 0x7D],  // BOM before {}
            [0x7B, 0x7D, 0xC3, 0xA9],  // non-ASCII after the value
            [0x22, 0x00, 0x22],  // raw NUL
        ] as [[UInt8]])
    func rejectsInvalidUTF8(bytes: [UInt8]) {
        #expect(scanError(bytes) != nil, "\(bytes)")
    }

    @Test(
        arguments: [
            [0x22, 0xC2, 0x80, 0x22],  // U+0080
            [0x22, 0xDF, 0xBF, 0x22],  // U+07FF
            [0x22, 0xE0, 0xA0, 0x80, 0x22],  // U+0800
            [0x22, 0xED, 0x9F, 0xBF, 0x22],  // U+D7FF
            [0x22, 0xEE, 0x80, 0x80, 0x22],  // U+E000
            [0x22, 0xEF, 0xBF, 0xBF, 0x22],  // U+FFFF
            [0x22, 0xF0, 0x90, 0x80, 0x80, 0x22],  // U+10000
            [0x22, 0xF4, 0x8F, 0xBF, 0xBF, 0x22],  // U+10FFFF
            [0x22, 0x7F, 0x22],  // DEL is allowed raw
        ] as [[UInt8]])
    func acceptsValidUTF8(bytes: [UInt8]) {
        #expect(scanError(bytes) == nil, "\(bytes)")
    }

    @Test(arguments: [
        ("\"plain\"", "plain"),
        ("\"a\\\"b\"", "a\"b"),
        ("\"\\\\\\/\"", "\\/"),
        ("\"\\b\\f\\n\\r\\t\"", "\u{08}\u{0C}\n\r\t"),
        ("\"\\u0041\\u00E9\\u20ac\"", "Aé€"),
        ("\"\\uD83D\\uDE00!\"", "😀!"),
        // A lone surrogate is valid JSON grammar; it decodes to U+FFFD.
        ("\"\\ud800\"", "\u{FFFD}"),
        ("\"\\udc00\"", "\u{FFFD}"),
        ("\"\\ud800\\u0041\"", "\u{FFFD}A"),
        ("\"\\ud800x\"", "\u{FFFD}x"),
        ("\"\\udc00\\ud800\\udc00\"", "\u{FFFD}\u{10000}"),
        ("\"\\u0000\"", "\u{0}"),
        ("\"é\\n😀\"", "é\n😀"),
    ])
    func decodesEscapes(text: String, expected: String) {
        #expect(decoded(text) == expected)
    }

    @Test func limitsNestingDepth() {
        let deepest =
            String(repeating: "[", count: JSONScanner.depthMax) + String(repeating: "]", count: JSONScanner.depthMax)
        #expect(scanError(Array(deepest.utf8)) == nil)
        let tooDeep = "[" + deepest + "]"
        #expect(scanError(Array(tooDeep.utf8)) != nil)
        let tooDeepObjects = String(repeating: "{\"a\":", count: 100) + "1" + String(repeating: "}", count: 100)
        #expect(scanError(Array(tooDeepObjects.utf8)) != nil)
    }

    // module_rules is stored as its compact JSON text: no insignificant whitespace, members in given order,
    // tokens as written; duplicate keys at any depth are rejected.
    @Test(arguments: [
        (" { \"b\" : 1 , \"a\" : [ 1 , 2.50 , \"x y\" ] , \"c\" : { } } ", "{\"b\":1,\"a\":[1,2.50,\"x y\"],\"c\":{}}"),
        (
            "{\"k\":\"\\u0041\\n\",\"t\":true,\"f\":false,\"n\":null}",
            "{\"k\":\"\\u0041\\n\",\"t\":true,\"f\":false,\"n\":null}"
        ),
        ("{ }", "{}"),
        ("[ ]", "[]"),
    ])
    func compactsValues(text: String, expected: String) throws {
        let result: String? = Array(text.utf8).withUnsafeBufferPointer { buffer in
            var scanner = JSONScanner(buffer)
            scanner.skipWhitespace()
            guard let token = try? scanner.scanValue(depth: 0) else { return nil }
            var output: [UInt8] = []
            guard (try? scanner.appendCompactText(of: token, to: &output, sizeBytesMax: 1 << 20)) != nil else {
                return nil
            }
            return String(decoding: output, as: UTF8.self)
        }
        #expect(result == expected)
    }

    @Test(arguments: [
        ("{\"a\":1,\"a\":2}", JSONScanner.CompactError.duplicateKey("a")),
        ("{\"a\":1,\"\\u0061\":2}", .duplicateKey("a")),
        ("{\"x\":[{\"b\":1,\"c\":2,\"b\":3}]}", .duplicateKey("b")),
        ("{\"x\":\"0123456789abcdef\"}", .tooLarge),
    ])
    func compactRejects(text: String, expected: JSONScanner.CompactError) {
        let error: JSONScanner.CompactError? = Array(text.utf8).withUnsafeBufferPointer { buffer in
            var scanner = JSONScanner(buffer)
            guard let token = try? scanner.scanValue(depth: 0) else { return nil }
            var output: [UInt8] = []
            do throws(JSONScanner.CompactError) {
                try scanner.appendCompactText(of: token, to: &output, sizeBytesMax: 20)
                return nil
            } catch {
                return error
            }
        }
        #expect(error == expected)
    }
}

extension JSONScannerTests {
    /// The 8-byte fast path flags exactly the bytes the byte loop must look at, at every position of a word.
    @Test func wordTestFlagsEveryByteThatNeedsAttention() {
        let filler = UInt64(0x61) &* 0x0101_0101_0101_0101  // "aaaaaaaa"
        #expect(!JSONScanner.needsAttention(filler))
        for position in 0..<8 {
            for byte in UInt64(0)...255 {
                let shift = UInt64(position * 8)
                let word = (filler & ~(0xFF << shift)) | (byte << shift)
                let expected = byte < 0x20 || byte >= 0x80 || byte == 0x22 || byte == 0x5C
                #expect(JSONScanner.needsAttention(word) == expected, "byte \(byte) at \(position)")
            }
        }
    }

    /// Long strings take the fast path: a special byte anywhere in them is still seen.
    @Test func longStringsAreCheckedAtEveryOffset() {
        for offset in 0..<40 {
            var plain = Array(repeating: UInt8(ascii: "x"), count: 40)
            #expect(scanError([0x22] + plain + [0x22]) == nil)
            plain[offset] = 0x01
            #expect(scanError([0x22] + plain + [0x22]) != nil, "control at \(offset)")
            plain[offset] = 0xFF
            #expect(scanError([0x22] + plain + [0x22]) != nil, "invalid UTF-8 at \(offset)")
            plain[offset] = UInt8(ascii: "\"")
            #expect(scanError([0x22] + plain + [0x22]) != nil, "early quote at \(offset)")
            plain[offset] = UInt8(ascii: "\\")
            #expect(scanError([0x22] + plain + [0x22]) != nil, "lone backslash at \(offset)")
            plain.replaceSubrange(offset...offset, with: Array("é".utf8))
            #expect(scanError([0x22] + plain + [0x22]) == nil, "é at \(offset)")
        }
    }
}
