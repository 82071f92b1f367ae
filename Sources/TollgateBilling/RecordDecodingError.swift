/// A record body that cannot be decoded: unknown tag, truncated, overlong varint, out-of-grammar value, trailing
/// bytes. Decoding never traps; the verifier reports this as a violation.
public struct RecordDecodingError: Error, Hashable, Sendable, CustomStringConvertible {
    public var typeTag: UInt8
    /// Byte offset in the body where decoding stopped.
    public var offset: Int
    public var message: String

    public init(typeTag: UInt8, offset: Int, message: String) {
        self.typeTag = typeTag; self.offset = offset; self.message = message
    }

    public var description: String { "record type \(typeTag) at body byte \(offset): \(message)" }
}
