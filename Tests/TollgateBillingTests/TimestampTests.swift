import Testing

@testable import TollgateBilling

struct TimestampTests {
    // SEMANTICS.md "Input grammar": `YYYY-MM-DDTHH:MM:SS[.f]Z`, 1–3 fraction digits, uppercase T and Z, a real
    // calendar instant.
    @Test(arguments: [
        ("1970-01-01T00:00:00Z", 0 as Int64), ("1970-01-01T00:00:00.001Z", 1), ("1970-01-01T00:00:00.5Z", 500),
        ("1970-01-01T00:00:00.25Z", 250), ("1970-01-01T00:00:00.250Z", 250), ("1970-01-02T00:00:00Z", 86_400_000),
        ("2026-03-01T12:00:00.250Z", 1_772_366_400_250), ("1969-12-31T23:59:59.999Z", -1),
        ("2000-02-29T00:00:00Z", 951_782_400_000), ("2024-02-29T23:59:59Z", 1_709_251_199_000),
        ("0000-01-01T00:00:00Z", -62_167_219_200_000), ("9999-12-31T23:59:59.999Z", 253_402_300_799_999),
        ("2038-01-19T03:14:08Z", 2_147_483_648_000), ("1600-02-29T00:00:00Z", -11_670_998_400_000),
    ])
    func parses(text: String, milliseconds: Int64) {
        #expect(Timestamp(rfc3339: text) == Timestamp(millisecondsSinceEpoch: milliseconds), "\(text)")
    }

    // "`+00:00`, lowercase, 4+ fraction digits → invalid"; "no second 60, no 2026-02-30".
    @Test(arguments: [
        "2026-03-01T12:00:00+00:00", "2026-03-01t12:00:00Z", "2026-03-01T12:00:00z", "2026-03-01 12:00:00Z",
        "2026-03-01T12:00:00.2500Z", "2026-03-01T12:00:00.Z", "2026-03-01T12:00:00", "2026-02-30T00:00:00Z",
        "2026-02-29T00:00:00Z", "1900-02-29T00:00:00Z", "2026-04-31T00:00:00Z", "2026-13-01T00:00:00Z",
        "2026-00-01T00:00:00Z", "2026-01-00T00:00:00Z", "2026-01-32T00:00:00Z", "2026-01-01T24:00:00Z",
        "2026-01-01T23:60:00Z", "2026-12-31T23:59:60Z", "26-03-01T12:00:00Z", "+2026-03-01T12:00:00Z",
        "12026-03-01T12:00:00Z", "2026-3-01T12:00:00Z", "2026-03-01T12:00Z", "2026-03-01", "", " 2026-03-01T12:00:00Z",
        "2026-03-01T12:00:00Z ", "2026-03-01T12:00:00,250Z", "2026-03-01T12:00:00.-25Z", "2026-03-01T1a:00:00Z",
        "2026/03/01T12:00:00Z", "2026-03-01T12:00:00.25 Z", "２026-03-01T12:00:00Z", "2026-03-01T12:00:00.+25Z",
    ])
    func rejects(text: String) {
        #expect(Timestamp(rfc3339: text) == nil, "\(text)")
    }

    @Test(arguments: [
        (0 as Int64, "1970-01-01T00:00:00.000Z"), (1_772_366_400_250, "2026-03-01T12:00:00.250Z"),
        (-1, "1969-12-31T23:59:59.999Z"), (253_402_300_799_999, "9999-12-31T23:59:59.999Z"),
        (-62_167_219_200_000, "0000-01-01T00:00:00.000Z"), (951_782_400_000, "2000-02-29T00:00:00.000Z"),
    ])
    func formats(milliseconds: Int64, text: String) {
        #expect(Timestamp(millisecondsSinceEpoch: milliseconds).rfc3339 == text)
    }

    /// Every instant of years 0000–9999 prints and parses back to itself, and the calendar agrees day by day.
    @Test(arguments: 0..<8 as Range<UInt64>)
    func roundTrips(seed: UInt64) {
        var random = ParserRandom(seed: seed)
        let low: Int64 = -62_167_219_200_000, high: Int64 = 253_402_300_799_999
        for _ in 0..<5000 {
            let milliseconds = low + Int64(random.next() % UInt64(high - low + 1))
            let timestamp = Timestamp(millisecondsSinceEpoch: milliseconds)
            #expect(Timestamp(rfc3339: timestamp.rfc3339) == timestamp, "\(milliseconds)")
        }
    }

    /// Walks every day of three 400-year windows (each a full Gregorian cycle: 0000–0399, 1800–2199, 9600–9999):
    /// the date of day n + 1 follows the date of day n, and each date maps back to its day number.
    @Test(arguments: [(0 as Int64, 399 as Int64), (1800, 2199), (9600, 9999)])
    func calendarIsContinuous(firstYear: Int64, lastYear: Int64) {
        let firstDay = Timestamp.daysSinceEpoch(year: firstYear, month: 1, day: 1)
        let lastDay = Timestamp.daysSinceEpoch(year: lastYear, month: 12, day: 31)
        #expect(lastDay - firstDay + 1 == 146_097)
        var previous = Timestamp.civilDate(daysSinceEpoch: firstDay)
        #expect(previous == (firstYear, 1, 1))
        for day in (firstDay + 1)...lastDay {
            let date = Timestamp.civilDate(daysSinceEpoch: day)
            let expected: (Int64, Int64, Int64) =
                previous.day < Timestamp.daysInMonth(year: previous.year, month: previous.month)
                ? (previous.year, previous.month, previous.day + 1)
                : previous.month < 12 ? (previous.year, previous.month + 1, 1) : (previous.year + 1, 1, 1)
            if date != expected {
                Issue.record("day \(day): \(date) after \(previous)")
                return
            }
            if Timestamp.daysSinceEpoch(year: date.year, month: date.month, day: date.day) != day {
                Issue.record("day \(day) does not invert")
                return
            }
            previous = date
        }
        #expect(previous == (lastYear, 12, 31))
    }
}

extension TimestampTests {
    /// Outside years 0000–9999 (never parsed) the text stays readable and total.
    @Test(arguments: [
        (-62_167_219_200_001 as Int64, "-0001-12-31T23:59:59.999Z"),
        (253_402_300_800_000, "10000-01-01T00:00:00.000Z"),
    ])
    func formatsExtendedYears(milliseconds: Int64, text: String) {
        #expect(Timestamp(millisecondsSinceEpoch: milliseconds).rfc3339 == text)
        #expect(Timestamp(rfc3339: text) == nil)
    }

    @Test func formatsExtremes() {
        #expect(!Timestamp(rawValue: .max).rfc3339.isEmpty)
        #expect(!Timestamp(rawValue: .min).rfc3339.isEmpty)
    }
}
