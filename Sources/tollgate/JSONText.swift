import TollgateBilling

/// Minimal JSON text helpers for the CLI's line output (no Foundation on the output path).
enum JSONText {
    /// A JSON string literal, escaped the same way as every other output (`JSONValue`).
    static func string(_ value: String) -> String { JSONValue.string(value).rendered }

    static func optional(_ value: UInt64?) -> String { value.map { String($0) } ?? "null" }

    static func hex32(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return "0x" + String(repeating: "0", count: 8 - digits.count) + digits
    }
}
