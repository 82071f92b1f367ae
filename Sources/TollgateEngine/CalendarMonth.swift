import TollgateBilling

/// A UTC calendar month, `YYYY-MM` (years 0000–9999): the period of a statement.
public struct CalendarMonth: Hashable, Sendable {
    public var year: Int
    /// 1–12.
    public var month: Int

    public init?(_ text: String) {
        let bytes = Array(text.utf8)
        guard bytes.count == 7, bytes[4] == UInt8(ascii: "-"),
            bytes.enumerated().allSatisfy({ $0.offset == 4 || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0.element) }),
            let year = Int(text.prefix(4)), let month = Int(text.suffix(2)), (1...12).contains(month)
        else { return nil }
        self.year = year
        self.month = month
    }

    public var text: String {
        let yearText = String(year)
        return String(repeating: "0", count: max(0, 4 - yearText.count)) + yearText + "-" + (month < 10 ? "0" : "")
            + String(month)
    }

    /// The first instant of the month.
    public var start: Timestamp { Timestamp(rfc3339: text + "-01T00:00:00Z")! }

    /// The first instant of the next month (the statement's exclusive end).
    public var end: Timestamp {
        if month == 12 {
            guard year < 9999 else { return Timestamp(rfc3339: "9999-12-31T23:59:59.999Z")!.adding(milliseconds: 1) }
            return CalendarMonth(year: year + 1, month: 1).start
        }
        return CalendarMonth(year: year, month: month + 1).start
    }

    init(year: Int, month: Int) {
        self.year = year; self.month = month
    }
}
