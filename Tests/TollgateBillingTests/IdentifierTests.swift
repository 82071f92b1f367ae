import Testing

@testable import TollgateBilling

/// The one identifier grammar (SEMANTICS.md): 1–128 bytes of `[A-Za-z0-9._:@-]`, whoever asks.
struct IdentifierTests {
    static let allowedBytes = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:@-".utf8)

    @Test func acceptsExactlyTheGrammarsBytes() {
        for byte in UInt8.min...UInt8.max {
            #expect(Identifier.isByte(byte) == Self.allowedBytes.contains(byte), "byte \(byte)")
        }
        #expect(!Identifier.isValid("é"))
        #expect(!Identifier.isValid("a b"))
        #expect(Identifier.isValid("user_1@example.com:ab-c"))
    }

    @Test func lengthIsOneTo128Bytes() {
        #expect(!Identifier.isValid(""))
        #expect(Identifier.isValid("a"))
        #expect(Identifier.isValid(String(repeating: "a", count: Identifier.sizeBytesMax)))
        #expect(!Identifier.isValid(String(repeating: "a", count: Identifier.sizeBytesMax + 1)))
    }

    @Test func parserAndDecoderAgree() {
        // The parser rejects what the grammar rejects, and a record with such an id never decodes.
        let line = #"{"op":"subscribe","user_id":"a b","plan_id":"p","initiated_by":"ops"}"#
        guard case .failure = CommandParser.parse(line.utf8) else {
            Issue.record("an id with a space parsed")
            return
        }
        let body: [UInt8] = [3, 0x61, 0x20, 0x62]
        body.withUnsafeBufferPointer { buffer in
            var reader = BodyReader(bytes: buffer, typeTag: 7)
            #expect(throws: RecordDecodingError.self) { _ = try reader.readIdentifier() }
        }
    }
}
