/// The identifier grammar of SEMANTICS.md: 1–128 bytes of `[A-Za-z0-9._:@-]`. User, plan, entitlement, idempotency,
/// event and payment ids all follow it; the parser, the record decoder, snapshots and both transports ask here, so
/// the grammar cannot drift between what is accepted at the edge and what the log may hold.
public enum Identifier {
    public static let sizeBytesMax = 128

    /// `[A-Za-z0-9._:@-]` as a 128-bit set: bytes 0–63 and 64–127.
    /// Constants, not stored: ``isByte(_:)`` is inlined into other modules (a replay's debit decoding).
    @usableFromInline static var bytesLow: UInt64 { (1 << 45) | (1 << 46) | (0x7FF << 48) }  // - . 0-9 :
    @usableFromInline static var bytesHigh: UInt64 { 0x7FF_FFFF | (1 << 31) | (0x7FF_FFFE << 32) }  // @ A-Z _ a-z

    @inlinable @inline(__always)
    static func isByte(_ byte: UInt8) -> Bool {
        let allowed = byte < 64 ? (bytesLow >> byte) & 1 : byte < 128 ? (bytesHigh >> (byte - 64)) & 1 : 0
        return allowed != 0
    }

    @inline(__always)
    static func isValid(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard bytes.count >= 1, bytes.count <= sizeBytesMax else { return false }
        for byte in bytes where !isByte(byte) { return false }
        return true
    }

    /// Whether `text` is an identifier (its UTF-8 bytes, unescaped).
    public static func isValid(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { isValid($0) }
    }
}
