import TollgateBilling

/// A UTC calendar day, `YYYY-MM-DD`: the period of a journal export.
public struct CalendarDay: Hashable, Sendable {
    /// The first instant of the day.
    public let start: Timestamp

    /// Accepts exactly `YYYY-MM-DD` naming a real date.
    public init?(_ text: String) {
        guard text.utf8.count == 10, let start = Timestamp(rfc3339: text + "T00:00:00Z") else { return nil }
        self.start = start
    }

    /// The first instant of the next day (exclusive end).
    public var end: Timestamp { start.adding(milliseconds: Timestamp.millisecondsPerDay) }

    public var text: String { String(start.rfc3339.prefix(10)) }
}
