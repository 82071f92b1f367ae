import Foundation
import Testing
import TollgateBilling
import TollgateEngine

/// `ReadinessReport` on a constructed log: 20 days of warn-only traffic from three users (one of them always at a
/// zero balance), one purchase, and one record after the evaluation time that only the what-if gate sees.
@Suite struct ReadinessTests {
    static let dayMilliseconds = Timestamp.millisecondsPerDay
    static let start = Timestamp(rfc3339: "2026-03-01T08:00:00Z")!
    static let at = Timestamp(rfc3339: "2026-03-20T12:00:00Z")!

    static func time(day: Int64, minute: Int64 = 0) -> String {
        start.adding(milliseconds: day * dayMilliseconds + minute * Timestamp.millisecondsPerMinute).rfc3339
    }

    static func commandLines() -> [String] {
        var lines = [
            #"{"op":"grant","user_id":"u1","amount":"100","initiated_by":"root","at":"\#(time(day: 0))"}"#,
            #"{"op":"grant","user_id":"u2","amount":"50","source":"purchase","initiated_by":"psp","at":"\#(time(day: 0))"}"#,
        ]
        for day in Int64(0)..<20 {
            for (index, user) in ["u1", "u1", "u2", "u3"].enumerated() {
                lines.append(
                    #"{"op":"debit","user_id":"\#(user)","amount":"1","at":"\#(time(day: day, minute: Int64(index + 1)))"}"#)
            }
        }
        lines.append(#"{"op":"debit","user_id":"u4","amount":"1","at":"\#(time(day: 25))"}"#)
        return lines
    }

    static func makeLog(_ directory: TemporaryDirectory) throws {
        let engine = try Engine(configuration: configuration(directory), clock: fixedClock)
        let results = try engine.apply(lines: commandLines().map { Array($0.utf8) })
        #expect(results.allSatisfy { $0["status"] == .string("applied") })
        try engine.close()
    }

    static var criteria: ReadinessCriteria {
        var criteria = ReadinessCriteria()
        criteria.eventsPerDayMin = 3
        return criteria
    }

    static func gate(_ report: ReadinessReport, _ name: String) throws -> ReadinessReport.Gate {
        try #require(report.gates.first { $0.name == name })
    }

    static func detail(_ gate: ReadinessReport.Gate, _ name: String) -> JSONValue? {
        gate.details.first { $0.0 == name }?.1
    }

    @Test func gatesReportTheirFiguresFromTheLog() throws {
        let directory = TemporaryDirectory()
        try Self.makeLog(directory)
        let report = try ReadinessReport.compute(directory: directory.path, at: Self.at, criteria: Self.criteria)
        #expect(report.gates.map(\.name) == [
            "active_users", "billing_events", "warn_only_observation", "purchase", "whatif_enforcement",
        ])

        let active = try Self.gate(report, "active_users")
        #expect(active.passed)
        #expect(active.value == .int(3))  // u4 acts only after `at`
        #expect(Self.detail(active, "consecutive_days") == .int(20))

        // 4 events a day from 2026-03-01: the 14-day average reaches 3/day (42 events) on 2026-03-11, 10 days.
        let events = try Self.gate(report, "billing_events")
        #expect(events.value == .string("4.00"))
        #expect(Self.detail(events, "consecutive_days") == .int(10))
        #expect(!events.passed)

        let observation = try Self.gate(report, "warn_only_observation")
        #expect(observation.passed)
        #expect(observation.value == .int(20))
        #expect(Self.detail(observation, "warn_only_debits") == .int(80))
        #expect(Self.detail(observation, "low_balance_results") == .int(20))
        #expect(Self.detail(observation, "would_block_debits") == .int(20))
        #expect(Self.detail(observation, "users_would_be_blocked") == .int(1))
        #expect(Self.detail(observation, "first_day") == .string("2026-03-01"))

        let purchase = try Self.gate(report, "purchase")
        #expect(purchase.passed)
        #expect(purchase.value == .int(1))
        #expect(Self.detail(purchase, "last_purchase_seq") == .int(2))

        // Enforcement on would reject u3's 20 debits and u4's one: 21 of 81 charge requests.
        let whatIf = try Self.gate(report, "whatif_enforcement")
        #expect(whatIf.value == .int(21))
        #expect(Self.detail(whatIf, "charge_requests") == .int(81))
        #expect(Self.detail(whatIf, "users_affected") == .int(2))
        #expect(!whatIf.passed)
        #expect(!report.ready)

        let golden = ReplayFixture.root + "/../readiness/expected-report.json"
        let rendered = report.json.rendered + "\n"
        if ReplayFixture.recording {
            try ReplayFixture.write(golden, Array(rendered.utf8))
            Issue.record("recorded \(golden)")
        } else {
            #expect(ReplayFixture.read(golden) == rendered)
        }
    }

    @Test func looserCriteriaPassEveryGate() throws {
        let directory = TemporaryDirectory()
        try Self.makeLog(directory)
        var criteria = Self.criteria
        criteria.consecutiveDaysMin = 10
        criteria.rejectedPctMax = 30
        let report = try ReadinessReport.compute(directory: directory.path, at: Self.at, criteria: criteria)
        #expect(report.ready, "\(report.json.rendered)")
    }

    @Test func anEmptyLogFailsEveryTrafficGate() throws {
        let directory = TemporaryDirectory()
        let engine = try Engine(configuration: configuration(directory), clock: fixedClock)
        try engine.close()
        let report = try ReadinessReport.compute(directory: directory.path, at: Self.at)
        #expect(report.gates.filter(\.passed).map(\.name) == ["whatif_enforcement"])  // 0 of 0 rejected
        #expect(!report.ready)
    }
}
