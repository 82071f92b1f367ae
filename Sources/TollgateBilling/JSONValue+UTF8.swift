/// Rendering straight into a byte buffer: the same text as `render(into:)` (`rendered`), without building Strings,
/// for the engine's output path (one reused buffer per batch of result lines).
extension JSONValue {
    public func renderUTF8(into bytes: inout [UInt8]) {
        switch self {
        case .null: Self.append("null", to: &bytes)
        case .bool(let value): Self.append(value ? "true" : "false", to: &bytes)
        case .int(let value): Self.appendInteger(value, to: &bytes)
        case .string(let value): Self.appendQuoted(value, to: &bytes)
        case .amount(let value): Self.appendAmount(value.rawValue, to: &bytes)
        case .array(let values):
            bytes.append(UInt8(ascii: "["))
            for (index, value) in values.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                value.renderUTF8(into: &bytes)
            }
            bytes.append(UInt8(ascii: "]"))
        case .object(let members):
            bytes.append(UInt8(ascii: "{"))
            for index in members.indices {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                Self.appendQuoted(members[index].0, to: &bytes)
                bytes.append(UInt8(ascii: ":"))
                members[index].1.renderUTF8(into: &bytes)
            }
            bytes.append(UInt8(ascii: "}"))
        }
    }

    static func append(_ text: StaticString, to bytes: inout [UInt8]) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    /// The decimal digits of a magnitude, most significant first, zero-padded to `minimumCount` (≤ 20).
    static func appendDigits(_ magnitude: UInt64, minimumCount: Int = 1, to bytes: inout [UInt8]) {
        let capacity = 20  // UInt64.max has 20 digits
        assert(minimumCount <= capacity)
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: capacity) { scratch in
            var rest = magnitude
            var index = capacity
            repeat {
                index -= 1
                scratch[index] = UInt8(ascii: "0") + UInt8(truncatingIfNeeded: rest % 10)
                rest /= 10
            } while rest > 0 || capacity - index < minimumCount
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: scratch[index...]))
        }
    }

    static func appendInteger(_ value: Int64, to bytes: inout [UInt8]) {
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        appendDigits(value.magnitude, to: &bytes)
    }

    /// `"12.500"`: exactly three decimals, like `Millicredits.formatted`.
    static func appendAmount(_ value: Int64, to bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "\""))
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        appendDigits(value.magnitude / 1000, to: &bytes)
        bytes.append(UInt8(ascii: "."))
        appendDigits(value.magnitude % 1000, minimumCount: 3, to: &bytes)
        bytes.append(UInt8(ascii: "\""))
    }

    static func appendQuoted(_ value: String, to bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "\""))
        let plain: Bool? = value.utf8.withContiguousStorageIfAvailable { utf8 in
            for byte in utf8 where byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
                return false
            }
            bytes.append(contentsOf: utf8)
            return true
        }
        if plain != true {
            var text = ""
            JSONValue.renderString(value, into: &text)
            bytes.append(contentsOf: text.utf8.dropFirst().dropLast())
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
