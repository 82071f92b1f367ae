/// US dollars for display: 1,000 credits = 1.00 USD, so 1 USD = 1,000,000 millicredits and every amount is an
/// exact number of micro-dollars. Integer arithmetic only, never rounded.
extension Millicredits {
    public static let perUSD: Int64 = 1_000_000

    /// `"1.00"`, `"0.0125"`, `"-0.000001"`: at least 2 decimals, up to 6 (trailing zeros past the cents dropped),
    /// so the value shown is exact.
    public var usdFormatted: String {
        let magnitude = rawValue.magnitude
        let whole = magnitude / UInt64(Self.perUSD)
        var fraction = String(magnitude % UInt64(Self.perUSD))
        fraction = String(repeating: "0", count: 6 - fraction.count) + fraction
        while fraction.count > 2, fraction.hasSuffix("0") { fraction.removeLast() }
        return (rawValue < 0 ? "-" : "") + String(whole) + "." + fraction
    }
}
