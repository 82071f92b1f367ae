/// An amount of credits as a whole number of millicredits (1 credit = 1000 mc).
///
/// Money is never a binary float: every amount in Tollgate is this type, parsed exactly from decimal text and
/// printed with exactly three decimals (`"12.500"`).
public struct Millicredits: RawRepresentable, Hashable, Comparable, Sendable {
    public var rawValue: Int64

    public init(rawValue: Int64) { self.rawValue = rawValue }

    public static let zero = Millicredits(rawValue: 0)
    /// The largest magnitude the contract accepts: ±9e15 mc.
    public static let magnitudeMax: Int64 = 9_000_000_000_000_000
    public static let perCredit: Int64 = 1000

    public static func credits(_ credits: Int64) -> Millicredits {
        Millicredits(rawValue: credits * perCredit)
    }

    public static func < (lhs: Millicredits, rhs: Millicredits) -> Bool { lhs.rawValue < rhs.rawValue }

    /// `"12.500"`, `"-0.001"`: the output form of every amount.
    public var formatted: String {
        let negative = rawValue < 0
        let magnitude = rawValue.magnitude
        let whole = magnitude / 1000
        let fraction = magnitude % 1000
        var text = negative ? "-" : ""
        text += String(whole)
        text += "."
        if fraction < 100 { text += "0" }
        if fraction < 10 { text += "0" }
        text += String(fraction)
        return text
    }
}
