import Testing

@testable import TollgateHTTP

/// The hex codec of key files and webhook signatures.
struct HexBytesTests {
    @Test func roundTripsLowercase() {
        let bytes: [UInt8] = [0x00, 0x0f, 0x10, 0xab, 0xff]
        #expect(HexBytes.text(bytes) == "000f10abff")
        #expect(HexBytes.bytes("000f10abff") == bytes)
        #expect(HexBytes.bytes("000F10ABFF") == bytes)
        #expect(HexBytes.bytes("") == [])
    }

    @Test func rejectsOddCountsAndNonDigits() {
        #expect(HexBytes.bytes("abc") == nil)
        #expect(HexBytes.bytes("0g") == nil)
        #expect(HexBytes.bytes("0 ") == nil)
    }

    @Test func signaturesStayExactly32Bytes() {
        #expect(WebhookSignature.bytes(hex: String(repeating: "ab", count: 32)) == [UInt8](repeating: 0xab, count: 32))
        #expect(WebhookSignature.bytes(hex: String(repeating: "ab", count: 31)) == nil)
        #expect(WebhookSignature.bytes(hex: String(repeating: "ab", count: 33)) == nil)
    }
}
