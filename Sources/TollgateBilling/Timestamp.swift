/// A UTC instant with millisecond precision, as milliseconds since the Unix epoch.
///
/// Decisions never read a clock: the engine stamps a command once, the stamp is stored in the record, and replay
/// uses the stored value.
public struct Timestamp: RawRepresentable, Hashable, Comparable, Sendable {
    public var rawValue: Int64

    public init(rawValue: Int64) { self.rawValue = rawValue }
    public init(millisecondsSinceEpoch: Int64) { self.rawValue = millisecondsSinceEpoch }

    public var millisecondsSinceEpoch: Int64 { rawValue }

    public static let millisecondsPerMinute: Int64 = 60_000
    public static let millisecondsPerHour: Int64 = 3_600_000
    public static let millisecondsPerDay: Int64 = 86_400_000

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The UTC day number (days since 1970-01-01) this instant falls on; floor division so that pre-epoch
    /// instants land on the right day.
    public var utcDayNumber: Int64 {
        let (quotient, remainder) = rawValue.quotientAndRemainder(dividingBy: Self.millisecondsPerDay)
        return remainder < 0 ? quotient - 1 : quotient
    }

    public func adding(milliseconds: Int64) -> Timestamp { Timestamp(rawValue: rawValue + milliseconds) }
}
