import Testing

@testable import TollgateBilling

/// Payment events through `decide` and `fold`: purchase grants, redelivery, settlement of a payment's second
/// event, retries into the dead letter and back, cash refunds, and that replay verification and snapshots hold.
@Suite struct PaymentTests {
    static func purchase(
        _ eventID: String, user: String? = "alice", cents: Int64 = 1999, currency: String = "usd",
        payment: String = "pi_1", kind: PaymentEvent.Kind = .checkoutSessionCompleted
    ) -> Command {
        .paymentEvent(
            Command.PaymentDelivery(
                event: PaymentEvent(
                    eventID: eventID, kind: kind, createdUnixSeconds: 1_764_000_000, userID: user, amountCents: cents,
                    currency: currency, paymentID: payment)))
    }

    static func refund(_ eventID: String, cumulativeCents: Int64, payment: String = "pi_1") -> Command {
        .paymentEvent(
            Command.PaymentDelivery(
                event: PaymentEvent(
                    eventID: eventID, kind: .chargeRefunded, createdUnixSeconds: 1_764_000_100, userID: nil,
                    amountCents: cumulativeCents, currency: "usd", paymentID: payment)))
    }

    static func retry(_ eventID: String, by initiator: String = "system") -> Command {
        .retryPaymentEvent(Command.PaymentRetry(eventID: eventID, initiatedBy: initiator))
    }

    static let welcome = Command.grant(Command.Grant(userID: "alice", amount: testCredits("1"), initiatedBy: "ops"))

    @Test func purchaseGrantsTenCreditsPerCentLinkedToThePayment() throws {
        var harness = BillingHarness()
        harness.apply(Self.welcome)
        let result = harness.apply(Self.purchase("evt_1"))
        #expect(result["status"] == .string("applied"))
        #expect(result["seq"] == .int(2))
        #expect(result["event_status"] == .string("applied"))
        #expect(result["grant_seq"] == .int(3))
        #expect(result["amount"] == .string("19990.000"))
        #expect(result["balance_after"] == .string("19991.000"))
        #expect(harness.balance("alice") == "19991.000")
        let records = harness.records
        #expect(records.count == 3)
        guard case .paymentEvent(let event) = records[1], case .purchaseGrant(let grant) = records[2] else {
            Issue.record("expected payment_event then purchase_grant, got \(records)")
            return
        }
        #expect(event.eventID == "evt_1")
        #expect(grant.paymentID == "pi_1" && grant.eventID == "evt_1" && grant.attempt == 1)
        #expect(grant.initiatedBy == "webhook")
        #expect(grant.amount == testCredits("19990"))
        let transaction = try #require(
            records[2].creditTransaction(seq: 3, time: harness.clock, balanceAfter: testCredits("19991")))
        #expect(transaction.kind == .grant && transaction.source == "purchase")
        #expect(harness.verify().isEmpty)
    }

    @Test func purchaseHasNoAdminCap() {
        var harness = BillingHarness()
        harness.apply(Self.welcome)
        // $5,000 = 5,000,000 credits, far above the 10,000-credit admin bound.
        let result = harness.apply(Self.purchase("evt_big", cents: 500_000))
        #expect(result["outcome"] == .string("purchase_grant"))
        #expect(harness.balance("alice") == "5000001.000")
        #expect(harness.verify().isEmpty)
    }

    @Test func redeliveryIsADuplicateAndGrantsOnce() {
        var harness = BillingHarness()
        harness.apply(Self.welcome)
        harness.apply(Self.purchase("evt_1"))
        let again = harness.apply(Self.purchase("evt_1"))
        #expect(again["status"] == .string("duplicate"))
        #expect(again["seq"] == .int(2))
        #expect(again["event_status"] == .string("applied"))
        #expect(harness.log.count == 3)
        #expect(harness.balance("alice") == "19991.000")
    }

    @Test func aPaymentsSecondEventSettlesWithoutASecondGrant() {
        var harness = BillingHarness()
        harness.apply(Self.welcome)
        harness.apply(Self.purchase("evt_checkout"))
        let second = harness.apply(Self.purchase("evt_intent", kind: .paymentIntentSucceeded))
        #expect(second["status"] == .string("applied"))
        #expect(second["event_status"] == .string("settled"))
        #expect(second["outcome"] == .string("already_credited"))
        #expect(harness.balance("alice") == "19991.000")
        #expect(harness.verify().isEmpty)
    }

    @Test func unknownUserRetriesIntoTheDeadLetterAndReplaysOnceTheUserExists() {
        var harness = BillingHarness()
        let first = harness.apply(Self.purchase("evt_zoe", user: "zoe", cents: 500))
        #expect(first["event_status"] == .string("pending"))
        #expect(first["outcome"] == .string("unknown_user"))
        #expect(harness.state.slot(of: "zoe") == nil, "a failed attempt must not create the user")
        for attempt in 2...4 {
            let result = harness.apply(Self.retry("evt_zoe"))
            #expect(result["attempts"] == .int(Int64(attempt)))
            #expect(result["event_status"] == .string("pending"))
        }
        #expect(harness.state.paymentEvents(deadOnly: true).isEmpty)
        let fifth = harness.apply(Self.retry("evt_zoe"))
        #expect(fifth["event_status"] == .string("dead"))
        let dead = harness.state.paymentEvents(deadOnly: true)
        #expect(dead.map(\.event.eventID) == ["evt_zoe"])
        #expect(dead.first?.failedAttemptCount == 5)
        #expect(dead.first?.lastOutcome == .unknownUser)
        // Dead letters are not due for automatic retries.
        #expect(
            harness.state.paymentEventsDueForRetry(
                now: Timestamp(rawValue: Int64.max / 2), intervalMilliseconds: 0, countMax: 10
            ).isEmpty)

        harness.apply(.subscribe(Command.Subscribe(userID: "zoe", planID: "free")))  // invalid: no plan, no record
        harness.apply(.grant(Command.Grant(userID: "zoe", amount: testCredits("1"), initiatedBy: "ops")))
        let replayed = harness.apply(Self.retry("evt_zoe", by: "ops"))
        #expect(replayed["status"] == .string("applied"))
        #expect(replayed["event_status"] == .string("applied"))
        #expect(replayed["attempts"] == .int(6))
        #expect(harness.balance("zoe") == "5001.000")
        #expect(harness.state.paymentEvents(deadOnly: true).isEmpty)
        let again = harness.apply(Self.retry("evt_zoe", by: "ops"))
        #expect(again["status"] == .string("invalid"))
        #expect(harness.verify().isEmpty)
    }

    @Test func retryOfAnUnknownEventIsInvalid() {
        var harness = BillingHarness()
        let result = harness.apply(Self.retry("evt_nope"))
        #expect(result["status"] == .string("invalid"))
        #expect(harness.log.isEmpty)
    }

    @Test(arguments: [("eur", Int64(1000), "unsupported_currency"), ("usd", 0, "bad_amount")])
    func eventsThatCannotApplyFail(currency: String, cents: Int64, code: String) {
        var harness = BillingHarness()
        harness.apply(Self.welcome)
        let result = harness.apply(Self.purchase("evt_x", cents: cents, currency: currency))
        #expect(result["outcome"] == .string(code))
        #expect(result["event_status"] == .string("pending"))
        #expect(harness.balance("alice") == "1.000")
        #expect(harness.verify().isEmpty)
    }

    @Test func cashRefundRemovesCumulativeCreditsLinkedToThePurchase() throws {
        var harness = BillingHarness()
        harness.apply(Self.welcome)
        harness.apply(Self.purchase("evt_1"))
        let refund = harness.apply(Self.refund("evt_r1", cumulativeCents: 500))
        #expect(refund["outcome"] == .string("cash_refund"))
        #expect(refund["purchase_seq"] == .int(3))
        #expect(refund["amount"] == .string("5000.000"))
        #expect(harness.balance("alice") == "14991.000")
        guard case .cashRefund(let record) = harness.records.last else {
            Issue.record("expected a cash_refund record")
            return
        }
        #expect(record.purchaseSeq == 3 && record.paymentID == "pi_1" && record.userID == "alice")
        // The same cumulative amount again (another event id): nothing more to remove.
        let same = harness.apply(Self.refund("evt_r2", cumulativeCents: 500))
        #expect(same["outcome"] == .string("already_refunded"))
        #expect(same["event_status"] == .string("settled"))
        // A larger cumulative amount removes only the difference.
        let more = harness.apply(Self.refund("evt_r3", cumulativeCents: 1200))
        #expect(more["amount"] == .string("7000.000"))
        #expect(harness.balance("alice") == "7991.000")
        // Beyond the purchase: a failure (retried, then dead-lettered).
        let beyond = harness.apply(Self.refund("evt_r4", cumulativeCents: 2000))
        #expect(beyond["outcome"] == .string("refund_exceeds_purchase"))
        #expect(harness.verify().isEmpty)
        let transactions = harness.records.enumerated().compactMap { index, record in
            record.creditTransaction(seq: Int64(index + 1), time: harness.clock, balanceAfter: .zero)
        }
        #expect(transactions.filter { $0.kind == .cashRefund }.count == 2)
    }

    @Test func cashRefundOfSpentCreditsLeavesANegativeBalance() {
        var harness = BillingHarness()
        harness.apply(Self.welcome)
        harness.apply(Self.purchase("evt_1", cents: 100))  // 1,000 credits
        harness.apply(.debit(Command.Debit(userID: "alice", amount: testCredits("50"))))
        harness.apply(.setFlag(Command.SetFlag(value: .singleRequestCap(testCredits("2000")), initiatedBy: "ops")))
        harness.apply(.setFlag(Command.SetFlag(value: .dailyCap(testCredits("2000")), initiatedBy: "ops")))
        harness.apply(.debit(Command.Debit(userID: "alice", amount: testCredits("900"))))
        let refund = harness.apply(Self.refund("evt_r1", cumulativeCents: 100))
        #expect(refund["outcome"] == .string("cash_refund"))
        #expect(harness.balance("alice") == "-949.000")
        #expect(harness.verify().isEmpty)
    }

    @Test func refundBeforeItsPurchaseWaitsForIt() {
        var harness = BillingHarness()
        harness.apply(Self.welcome)
        let early = harness.apply(Self.refund("evt_r1", cumulativeCents: 500))
        #expect(early["outcome"] == .string("unknown_payment"))
        harness.apply(Self.purchase("evt_1"))
        let retried = harness.apply(Self.retry("evt_r1"))
        #expect(retried["outcome"] == .string("cash_refund"))
        #expect(harness.balance("alice") == "14991.000")
        #expect(harness.verify().isEmpty)
    }

    @Test func replayedLogAndSnapshotKeepDedupeAndDeadLetters() throws {
        var harness = BillingHarness()
        harness.apply(Self.welcome)
        harness.apply(Self.purchase("evt_1"))
        harness.apply(Self.purchase("evt_zoe", user: "zoe"))
        for _ in 0..<4 { harness.apply(Self.retry("evt_zoe")) }
        let replayed = harness.replayed()
        #expect(replayed.snapshotBytes() == harness.state.snapshotBytes())
        #expect(replayed.paymentEvents(deadOnly: true).map(\.event.eventID) == ["evt_zoe"])
        let bytes = harness.state.snapshotBytes()
        #expect(bytes[4] == 2, "a state with payment events is a version-2 snapshot")
        let decoded = try State.decodeSnapshot(bytes).get()
        #expect(decoded.snapshotBytes() == bytes)
        #expect(decoded.paymentEventsJSON().rendered == harness.state.paymentEventsJSON().rendered)
        let limited = harness.state.paymentEventsJSON(limit: 1)
        #expect(limited["truncated"] == .bool(true) && limited["count"] == .int(2))
        var copy = harness
        copy.state = decoded
        #expect(copy.apply(Self.purchase("evt_1"))["status"] == .string("duplicate"))
        #expect(harness.verify().isEmpty)
    }

    @Test func stateWithoutPaymentsStaysAVersionOneSnapshot() {
        var harness = BillingHarness()
        harness.apply(Self.welcome)
        #expect(harness.state.snapshotBytes()[4] == 1)
    }

    @Test func verifierCatchesAForgedPurchaseAndAMissingFirstAttempt() {
        var harness = BillingHarness()
        harness.apply(Self.welcome)
        harness.apply(Self.purchase("evt_1"))
        // A purchase grant with no event behind it.
        let forged = LedgerRecord.purchaseGrant(
            PurchaseGrantRecord(
                eventID: "evt_ghost", attempt: 1, initiatedBy: "webhook", userID: "alice", paymentID: "pi_9",
                amount: testCredits("100")))
        var log = harness.log
        log.append(
            BillingHarness.LoggedRecord(
                seq: 4, time: harness.clock, typeTag: forged.typeTag, body: forged.encodedBody))
        #expect(harness.verify(log: log).contains { $0.invariant == "decision_replays" && $0.seq == 4 })
        // The event without its first attempt.
        let truncated = Array(harness.log.prefix(2))
        #expect(harness.verify(log: truncated).contains { $0.invariant == "payment_attempt_follows_event" })
    }

    @Test func paymentRecordsRoundTripAndRejectMalformedBodies() {
        let records: [LedgerRecord] = [
            .paymentEvent(
                PaymentEvent(
                    eventID: "evt_1", kind: .chargeRefunded, createdUnixSeconds: -5, userID: nil, amountCents: 0,
                    currency: "usd", paymentID: "pi_1")),
            .purchaseGrant(
                PurchaseGrantRecord(
                    eventID: "evt_1", attempt: 7, initiatedBy: "system", userID: "u", paymentID: "pi_1",
                    amount: testCredits("10"))),
            .cashRefund(
                CashRefundRecord(
                    eventID: "evt_2", attempt: 1, initiatedBy: "webhook", userID: "u", paymentID: "pi_1",
                    purchaseSeq: 3, amount: testCredits("0.001"))),
            .paymentAttempt(
                PaymentAttemptRecord(eventID: "evt_3", attempt: 5, initiatedBy: "ops", outcome: .unknownUser)),
        ]
        for record in records {
            let body = record.encodedBody
            #expect((try? LedgerRecord.decode(typeTag: record.typeTag, body: body).get()) == record)
            #expect((try? LedgerRecord.decode(typeTag: record.typeTag, body: body + [0]).get()) == nil)
            #expect((try? LedgerRecord.decode(typeTag: record.typeTag, body: body.dropLast()).get()) == nil)
        }
        // Attempt 0, unknown outcome, unknown event type, uppercase currency.
        var attemptZero = records[3].encodedBody
        attemptZero[6] = 0
        #expect((try? LedgerRecord.decode(typeTag: 18, body: attemptZero).get()) == nil)
        var badOutcome = records[3].encodedBody
        badOutcome[badOutcome.count - 1] = 99
        #expect((try? LedgerRecord.decode(typeTag: 18, body: badOutcome).get()) == nil)
        var badKind = records[0].encodedBody
        badKind[1] = 9
        #expect((try? LedgerRecord.decode(typeTag: 15, body: badKind).get()) == nil)
        let upper = LedgerRecord.paymentEvent(
            PaymentEvent(
                eventID: "e", kind: .checkoutSessionCompleted, createdUnixSeconds: 0, userID: "u", amountCents: 1,
                currency: "USD", paymentID: "p"))
        #expect((try? LedgerRecord.decode(typeTag: 15, body: upper.encodedBody).get()) == nil)
    }

    /// A version-2 snapshot with tiny ids decodes; every truncation and many bit flips fail cleanly (no trap).
    @Test func paymentSnapshotsDecodeStrictly() throws {
        var harness = BillingHarness()
        harness.apply(.grant(Command.Grant(userID: "a", amount: testCredits("1"), initiatedBy: "o")))
        // One-byte ids: the smallest entries the decoder's count bounds must admit.
        for (event, payment) in [("x", "0"), ("y", "1"), ("z", "2")] {
            harness.apply(Self.purchase(event, user: "a", cents: 1, payment: payment))
        }
        harness.apply(Self.refund("r", cumulativeCents: 1, payment: "0"))
        let bytes = harness.state.snapshotBytes()
        #expect(try State.decodeSnapshot(bytes).get().snapshotBytes() == bytes)
        for length in 0..<bytes.count {
            #expect((try? State.decodeSnapshot(Array(bytes.prefix(length))).get()) == nil, "prefix \(length)")
        }
        var generator = BillingSplitMix64(seed: 7)
        for _ in 0..<2000 {
            var flipped = bytes
            let index = Int(generator.next() % UInt64(bytes.count))
            flipped[index] ^= UInt8(1 << (generator.next() % 8))
            if let decoded = try? State.decodeSnapshot(flipped).get() {
                #expect(decoded.snapshotBytes() == flipped)
            }
        }
    }
}
