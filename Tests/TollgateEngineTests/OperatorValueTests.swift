import Testing
import TollgateBilling
import TollgateEngine

@Suite struct OperatorValueTests {
    @Test(arguments: [
        (Int64(1_000_000), "1.00"), (12_500, "0.0125"), (-1, "-0.000001"), (0, "0.00"), (1_230_000, "1.23"),
        (9_000_000_000_000_000, "9000000000.00"), (-8_000, "-0.008"),
    ])
    func usdIsExact(millicredits: Int64, text: String) {
        #expect(Millicredits(rawValue: millicredits).usdFormatted == text)
    }

    @Test func calendarMonthsParseStrictlyAndSpanTheMonth() {
        #expect(CalendarMonth("2026-03")?.start == Timestamp(rfc3339: "2026-03-01T00:00:00Z"))
        #expect(CalendarMonth("2026-12")?.end == Timestamp(rfc3339: "2027-01-01T00:00:00Z"))
        #expect(CalendarMonth("2024-02")?.end == Timestamp(rfc3339: "2024-03-01T00:00:00Z"))
        for bad in ["2026-13", "2026-00", "2026-3", "26-03", "2026/03", "2026-03-01", "", "２０２６-03"] {
            #expect(CalendarMonth(bad) == nil, "\(bad)")
        }
    }

    @Test func everyRecordKindHasFieldsAndAType() {
        let records: [LedgerRecord] = [
            .breakerSuspension(userID: "u"),
            .clearFlag(Command.ClearFlag(flag: .dailyCap, initiatedBy: "x")),
            .setUserLimits(Command.SetUserLimits(userID: "u", dailyCap: .clear, sessionCap: .set(.credits(2)), initiatedBy: "x")),
        ]
        #expect(records.map(\.typeName) == ["breaker_suspension", "clear_flag", "set_user_limits"])
        #expect(records.map { $0.initiatedBy } == ["system", "x", "x"])
        #expect(
            records[2].fieldsJSON.rendered
                == #"{"user_id":"u","daily_cap":null,"session_cap":"2.000","initiated_by":"x"}"#)
    }
}
