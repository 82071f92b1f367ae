/// A small private formatter for the timestamps billing prints (`grace_started_at`, `grace_ends_at`), so this layer
/// does not depend on the parser's RFC 3339 code.
extension Timestamp {
    /// `YYYY-MM-DDTHH:MM:SS.sssZ`, always three fraction digits (proleptic Gregorian, UTC). Years beyond 9999 print
    /// with more digits, years before 0 with a leading `-`.
    func civilUTCString() -> String {
        let day = utcDayNumber
        let millisecondOfDay = rawValue &- day &* Self.millisecondsPerDay
        let (year, month, dayOfMonth) = Self.civilDateOfDay(daysSinceEpoch: day)
        var text = ""
        if year < 0 { text += "-" }
        Self.appendCivilDigits(year.magnitude, width: 4, to: &text)
        text += "-"
        Self.appendCivilDigits(UInt64(month), width: 2, to: &text)
        text += "-"
        Self.appendCivilDigits(UInt64(dayOfMonth), width: 2, to: &text)
        text += "T"
        Self.appendCivilDigits(UInt64(millisecondOfDay / Self.millisecondsPerHour), width: 2, to: &text)
        text += ":"
        Self.appendCivilDigits(UInt64(millisecondOfDay / Self.millisecondsPerMinute % 60), width: 2, to: &text)
        text += ":"
        Self.appendCivilDigits(UInt64(millisecondOfDay / 1000 % 60), width: 2, to: &text)
        text += "."
        Self.appendCivilDigits(UInt64(millisecondOfDay % 1000), width: 3, to: &text)
        text += "Z"
        return text
    }

    /// Howard Hinnant's `civil_from_days`: days since 1970-01-01 → (year, month 1–12, day 1–31).
    private static func civilDateOfDay(daysSinceEpoch: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let shifted = daysSinceEpoch + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }

    private static func appendCivilDigits(_ value: UInt64, width: Int, to text: inout String) {
        let digits = String(value)
        if digits.utf8.count < width { text += String(repeating: "0", count: width - digits.utf8.count) }
        text += digits
    }
}
