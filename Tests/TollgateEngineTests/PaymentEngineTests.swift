import Foundation
import Testing
import TollgateBilling
import TollgateEngine
import TollgateLog

/// Payment events through the engine: a reopen (from the log, and from a snapshot taken after the events) keeps
/// deduplication and dead letters; replay verification holds; transactions and statements show the purchase.
@Suite struct PaymentEngineTests {
    static func event(_ id: String, user: String, cents: Int64, payment: String) -> Command {
        .paymentEvent(
            Command.PaymentDelivery(
                event: PaymentEvent(
                    eventID: id, kind: .checkoutSessionCompleted, createdUnixSeconds: 1_772_355_600, userID: user,
                    amountCents: cents, currency: "usd", paymentID: payment)))
    }

    static func configuration(_ directory: TemporaryDirectory, snapshotInterval: Int64) -> EngineConfiguration {
        EngineConfiguration(
            directory: directory.path, log: LogConfiguration(durability: .none),
            billing: BillingConfiguration(creditEnforcementEnabled: false), snapshotIntervalRecords: snapshotInterval)
    }

    @Test(arguments: [Int64(0), 3])
    func reopenKeepsDedupeAndDeadLetters(snapshotInterval: Int64) throws {
        let directory = TemporaryDirectory()
        let configuration = Self.configuration(directory, snapshotInterval: snapshotInterval)
        let engine = try Engine(configuration: configuration, clock: fixedClock)
        _ = try engine.apply(commands: [
            .grant(Command.Grant(userID: "alice", amount: Millicredits(rawValue: 1000), initiatedBy: "ops")),
            Self.event("evt_a", user: "alice", cents: 250, payment: "pi_a"),
            Self.event("evt_z", user: "zoe", cents: 100, payment: "pi_z"),
        ])
        for _ in 0..<4 {
            _ = try engine.apply(commands: [.retryPaymentEvent(Command.PaymentRetry(eventID: "evt_z", initiatedBy: "system"))])
        }
        try engine.close()

        let reopened = try Engine(configuration: configuration, clock: fixedClock)
        if snapshotInterval > 0 { #expect(reopened.lastSnapshotSeq > 0, "opened from a snapshot") }
        #expect(reopened.state.paymentEvents(deadOnly: true).map(\.event.eventID) == ["evt_z"])
        let again = try reopened.apply(commands: [Self.event("evt_a", user: "alice", cents: 250, payment: "pi_a")])
        #expect(again[0]["status"] == .string("duplicate"))
        #expect(reopened.state.balance(userID: "alice") == Millicredits(rawValue: 2_501_000))
        try reopened.close()

        let report = Replay.verify(directory: directory.path, billing: configuration.billing)
        #expect(report.ok, "\(report.violations)")
        let page = try TransactionQuery(userID: "alice").run(directory: directory.path)
        #expect(page.transactions.contains { $0.kind == .grant && $0.source == "purchase" })
    }

    @Test func statementShowsPurchasesAsGrantsAndCashRefundsApart() throws {
        let directory = TemporaryDirectory()
        let configuration = Self.configuration(directory, snapshotInterval: 0)
        let engine = try Engine(configuration: configuration, clock: fixedClock)
        let refund = Command.paymentEvent(
            Command.PaymentDelivery(
                event: PaymentEvent(
                    eventID: "evt_r", kind: .chargeRefunded, createdUnixSeconds: 1_772_355_700, userID: nil,
                    amountCents: 50, currency: "usd", paymentID: "pi_a")))
        _ = try engine.apply(commands: [
            .grant(Command.Grant(userID: "alice", amount: Millicredits(rawValue: 1000), initiatedBy: "ops")),
            Self.event("evt_a", user: "alice", cents: 250, payment: "pi_a"), refund,
        ])
        try engine.close()
        let statement = try Statement.load(
            directory: directory.path, userID: "alice", month: try #require(CalendarMonth("2026-03")))
        #expect(statement.granted == Millicredits(rawValue: 2_501_000))
        #expect(statement.cashRefunded == Millicredits(rawValue: 500_000))
        #expect(statement.closingBalance == Millicredits(rawValue: 2_001_000))
        #expect(statement.totals.map(\.name) == ["granted", "refunded", "charged", "cash_refunded", "net"])
        #expect(statement.csv.contains("total_cash_refunded,,,,500.000"))
        #expect(statement.transactions.map(\.kind) == [.grant, .grant, .cashRefund])
    }

    /// `whatif` with a candidate that changes nothing for payments reports no flips on a log with payment events.
    @Test func whatIfReDecidesPaymentAttemptsWithoutFlips() throws {
        let directory = TemporaryDirectory()
        let configuration = Self.configuration(directory, snapshotInterval: 0)
        let engine = try Engine(configuration: configuration, clock: fixedClock)
        _ = try engine.apply(commands: [
            .grant(Command.Grant(userID: "alice", amount: Millicredits(rawValue: 1000), initiatedBy: "ops")),
            Self.event("evt_a", user: "alice", cents: 250, payment: "pi_a"),
            Self.event("evt_z", user: "zoe", cents: 100, payment: "pi_z"),
            .retryPaymentEvent(Command.PaymentRetry(eventID: "evt_z", initiatedBy: "system")),
        ])
        try engine.close()
        let report = try WhatIf(billing: configuration.billing, candidateFlags: [.shadowBillingEnabled(true)])
            .run(directory: directory.path)
        #expect(report.flips.isEmpty, "\(report.flips)")
        #expect(report.users.isEmpty)
    }
}
