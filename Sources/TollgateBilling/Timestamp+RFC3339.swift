extension Timestamp {
    /// Parses the contract's strict RFC 3339 form: `YYYY-MM-DDTHH:MM:SS[.f]Z` with 1–3 fraction digits, uppercase
    /// `T` and `Z`, years 0000–9999, a real calendar instant (leap years; no second 60, no February 30).
    /// `+00:00`, lowercase `t`/`z`, a space for `T`, 4+ fraction digits or any surrounding byte → nil.
    public init?(rfc3339 text: some StringProtocol) {
        var text = String(text)
        guard let value = text.withUTF8({ bytes in Timestamp(rfc3339Bytes: bytes) }) else { return nil }
        self = value
    }

    /// The output form, always with 3 fraction digits: `2026-03-01T12:00:00.250Z`.
    ///
    /// Every parsed timestamp (years 0000–9999) round-trips. An instant outside those years (never produced by
    /// parsing) prints its year with a `-` sign or more than 4 digits.
    public var rfc3339: String {
        let (days, millisecondOfDay) = Self.floorDivide(rawValue, Self.millisecondsPerDay)
        let (year, month, day) = Self.civilDate(daysSinceEpoch: days)
        guard (0...9999).contains(year) else { return Self.extendedText(year, month, day, millisecondOfDay) }
        // The common case: exactly 24 ASCII bytes, written in place.
        return String(unsafeUninitializedCapacity: 24) { buffer in
            @inline(__always)
            func put(_ value: Int64, _ width: Int, at offset: Int) {
                var value = value
                for position in stride(from: offset + width - 1, through: offset, by: -1) {
                    buffer[position] = UInt8(ascii: "0") + UInt8(value % 10)
                    value /= 10
                }
            }
            put(year, 4, at: 0)
            buffer[4] = UInt8(ascii: "-")
            put(month, 2, at: 5)
            buffer[7] = UInt8(ascii: "-")
            put(day, 2, at: 8)
            buffer[10] = UInt8(ascii: "T")
            put(millisecondOfDay / Self.millisecondsPerHour, 2, at: 11)
            buffer[13] = UInt8(ascii: ":")
            put(millisecondOfDay / Self.millisecondsPerMinute % 60, 2, at: 14)
            buffer[16] = UInt8(ascii: ":")
            put(millisecondOfDay / 1000 % 60, 2, at: 17)
            buffer[19] = UInt8(ascii: ".")
            put(millisecondOfDay % 1000, 3, at: 20)
            buffer[23] = UInt8(ascii: "Z")
            return 24
        }
    }

    /// Years outside 0000–9999: a `-` sign or more than 4 year digits (never produced by parsing).
    private static func extendedText(_ year: Int64, _ month: Int64, _ day: Int64, _ millisecondOfDay: Int64)
        -> String
    {
        var text = year < 0 ? "-" : ""
        appendPadded(year.magnitude, width: 4, to: &text)
        text += "-"
        appendPadded(UInt64(month), width: 2, to: &text)
        text += "-"
        appendPadded(UInt64(day), width: 2, to: &text)
        text += "T"
        appendPadded(UInt64(millisecondOfDay / millisecondsPerHour), width: 2, to: &text)
        text += ":"
        appendPadded(UInt64(millisecondOfDay / millisecondsPerMinute % 60), width: 2, to: &text)
        text += ":"
        appendPadded(UInt64(millisecondOfDay / 1000 % 60), width: 2, to: &text)
        text += "."
        appendPadded(UInt64(millisecondOfDay % 1000), width: 3, to: &text)
        return text + "Z"
    }

    /// The parser behind ``init(rfc3339:)``, over UTF-8 bytes (used directly by ``CommandParser``).
    init?(rfc3339Bytes bytes: UnsafeBufferPointer<UInt8>) {
        // 2026-03-01T12:00:00Z is 20 bytes; with .f/.ff/.fff 22/23/24.
        let count = bytes.count
        guard count == 20 || (22...24).contains(count) else { return nil }

        @inline(__always)
        func number(_ offset: Int, _ width: Int) -> Int64? {
            var value: Int64 = 0
            for position in offset..<(offset + width) {
                let digit = bytes[position] &- UInt8(ascii: "0")
                guard digit < 10 else { return nil }
                value = value * 10 + Int64(digit)
            }
            return value
        }

        guard bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"), bytes[10] == UInt8(ascii: "T"),
            bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":"), bytes[count - 1] == UInt8(ascii: "Z"),
            let year = number(0, 4), let month = number(5, 2), let day = number(8, 2),
            let hour = number(11, 2), let minute = number(14, 2), let second = number(17, 2)
        else { return nil }
        var millisecond: Int64 = 0
        if count > 20 {
            let digitCount = count - 21
            guard bytes[19] == UInt8(ascii: "."), let fraction = number(20, digitCount) else { return nil }
            millisecond = fraction * (digitCount == 1 ? 100 : digitCount == 2 ? 10 : 1)
        }
        guard (1...12).contains(month), day >= 1, day <= Self.daysInMonth(year: year, month: month),
            hour < 24, minute < 60, second < 60
        else { return nil }
        let days = Self.daysSinceEpoch(year: year, month: month, day: day)
        self.init(
            rawValue: days * Self.millisecondsPerDay + hour * Self.millisecondsPerHour
                + minute * Self.millisecondsPerMinute + second * 1000 + millisecond)
    }

    static func isLeapYear(_ year: Int64) -> Bool {
        year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
    }

    static func daysInMonth(year: Int64, month: Int64) -> Int64 {
        switch month {
        case 2: isLeapYear(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
    static func daysSinceEpoch(year: Int64, month: Int64, day: Int64) -> Int64 {
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
        let yearOfEra = shiftedYear - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The proleptic Gregorian date of a day number (H. Hinnant's `civil_from_days`).
    static func civilDate(daysSinceEpoch days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }

    private static func floorDivide(_ value: Int64, _ divisor: Int64) -> (quotient: Int64, remainder: Int64) {
        let (quotient, remainder) = value.quotientAndRemainder(dividingBy: divisor)
        return remainder < 0 ? (quotient - 1, remainder + divisor) : (quotient, remainder)
    }

    private static func appendPadded(_ value: UInt64, width: Int, to text: inout String) {
        let digits = String(value)
        if digits.utf8.count < width { text += String(repeating: "0", count: width - digits.utf8.count) }
        text += digits
    }
}
