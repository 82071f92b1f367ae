/// Payment events: deciding a delivery or a retry, and folding the four payment records.
///
/// A delivery appends its `payment_event` record and, right after it, the record of its first attempt; a retry
/// appends one attempt record. Every attempt is decided from the state alone (the event as stored, the user's
/// existence, the purchase it refunds), so the verifier re-decides each attempt record as a retry.
extension State {
    func decidePaymentDelivery(_ command: Command.PaymentDelivery, seq: Int64) -> Decision {
        let event = command.event
        if let entry = payments.events[event.eventID] {
            return Decision(records: [], result: Self.paymentResult(status: "duplicate", seq: entry.seq, entry: entry))
        }
        let attempt = decidePaymentAttempt(
            event: event, attempt: 1, initiatedBy: LedgerRecord.webhookInitiator, attemptSeq: seq + 1)
        var entry = PaymentLedger.EventEntry(event: event, seq: seq)
        Self.noteAttempt(attempt.record, seq: seq + 1, in: &entry)
        var result = Self.paymentResult(status: "applied", seq: seq, entry: entry)
        result = Self.appending(attempt.fields, to: result)
        return Decision(records: [.paymentEvent(event), attempt.record], result: result)
    }

    func decidePaymentRetry(_ command: Command.PaymentRetry, seq: Int64) -> Decision {
        guard var entry = payments.events[command.eventID] else {
            return .invalid(field: "event_id", "Unknown payment event \(command.eventID).")
        }
        guard entry.settledSeq == nil else {
            return .invalid(
                field: "event_id",
                "Payment event \(command.eventID) is already \(entry.status.rawValue); nothing to retry.")
        }
        let attempt = decidePaymentAttempt(
            event: entry.event, attempt: entry.attemptCount + 1, initiatedBy: command.initiatedBy, attemptSeq: seq)
        Self.noteAttempt(attempt.record, seq: seq, in: &entry)
        var result = Self.paymentResult(status: "applied", seq: seq, entry: entry)
        result = Self.appending(attempt.fields, to: result)
        return Decision(records: [attempt.record], result: result)
    }

    /// One attempt at `event`: the record it appends and the result fields that describe it.
    private func decidePaymentAttempt(
        event: PaymentEvent, attempt: Int64, initiatedBy: String, attemptSeq: Int64
    ) -> (record: LedgerRecord, fields: [(String, JSONValue)]) {
        func outcome(_ outcome: PaymentAttemptOutcome) -> (LedgerRecord, [(String, JSONValue)]) {
            let record = PaymentAttemptRecord(
                eventID: event.eventID, attempt: attempt, initiatedBy: initiatedBy, outcome: outcome)
            return (.paymentAttempt(record), [("outcome", .string(outcome.code))])
        }
        guard event.currency == PaymentEvent.acceptedCurrency else { return outcome(.unsupportedCurrency) }
        guard event.amountCents > 0 && event.amountCents <= PaymentEvent.amountCentsMax else {
            return outcome(.badAmount)
        }
        let amount = event.amountCents * PaymentEvent.millicreditsPerCent
        if event.kind.isPurchase {
            guard let userID = event.userID, let slot = slot(of: userID) else { return outcome(.unknownUser) }
            if payments.purchases[event.paymentID] != nil { return outcome(.alreadyCredited) }
            let (balanceAfter, overflow) = accounts[slot].balance.rawValue.addingReportingOverflow(amount)
            guard !overflow else { return outcome(.balanceLimitExceeded) }
            let record = PurchaseGrantRecord(
                eventID: event.eventID, attempt: attempt, initiatedBy: initiatedBy, userID: userID,
                paymentID: event.paymentID, amount: Millicredits(rawValue: amount))
            return (
                .purchaseGrant(record),
                [
                    ("outcome", .string("purchase_grant")), ("user_id", .string(userID)),
                    ("amount", .amount(record.amount)), ("payment_id", .string(event.paymentID)),
                    ("grant_seq", .int(attemptSeq)), ("balance_after", .amount(Millicredits(rawValue: balanceAfter))),
                ]
            )
        }
        guard let purchase = payments.purchases[event.paymentID], let slot = slot(of: purchase.userID) else {
            return outcome(.unknownPayment)
        }
        guard amount <= purchase.amount else { return outcome(.refundExceedsPurchase) }
        let removed = amount - purchase.cashRefunded
        guard removed > 0 else { return outcome(.alreadyRefunded) }
        let (balanceAfter, overflow) = accounts[slot].balance.rawValue.subtractingReportingOverflow(removed)
        guard !overflow else { return outcome(.balanceLimitExceeded) }
        let record = CashRefundRecord(
            eventID: event.eventID, attempt: attempt, initiatedBy: initiatedBy, userID: purchase.userID,
            paymentID: event.paymentID, purchaseSeq: purchase.seq, amount: Millicredits(rawValue: removed))
        return (
            .cashRefund(record),
            [
                ("outcome", .string("cash_refund")), ("user_id", .string(purchase.userID)),
                ("amount", .amount(record.amount)), ("payment_id", .string(event.paymentID)),
                ("purchase_seq", .int(purchase.seq)), ("cash_refund_seq", .int(attemptSeq)),
                ("balance_after", .amount(Millicredits(rawValue: balanceAfter))),
            ]
        )
    }

    /// The result of a delivery or retry: the event's status after it.
    static func paymentResult(status: String, seq: Int64, entry: PaymentLedger.EventEntry) -> JSONValue {
        .object([
            ("status", .string(status)), ("seq", .int(seq)), ("event_id", .string(entry.event.eventID)),
            ("event_type", .string(entry.event.kind.name)), ("event_status", .string(entry.status.rawValue)),
            ("attempts", .int(entry.attemptCount)),
        ])
    }

    private static func appending(_ fields: [(String, JSONValue)], to value: JSONValue) -> JSONValue {
        guard case .object(let members) = value else { return value }
        return .object(members + fields)
    }

    /// What an attempt record does to its event's entry (the same step for decide's preview and for fold).
    static func noteAttempt(_ record: LedgerRecord, seq: Int64, in entry: inout PaymentLedger.EventEntry) {
        entry.attemptCount += 1
        switch record {
        case .purchaseGrant, .cashRefund:
            entry.lastOutcome = nil
            entry.settledSeq = seq
        case .paymentAttempt(let r):
            entry.lastOutcome = r.outcome
            if r.outcome.isFailure { entry.failedAttemptCount += 1 } else { entry.settledSeq = seq }
        default:
            assertionFailure("not a payment attempt record")
        }
    }

    // MARK: Fold

    mutating func applyPayment(_ record: LedgerRecord, seq: Int64, time: Timestamp) {
        switch record {
        case .paymentEvent(let event):
            // A redelivery is never recorded; a forged second record of one event id keeps the first.
            if payments.events[event.eventID] == nil {
                payments.events[event.eventID] = PaymentLedger.EventEntry(event: event, seq: seq)
            }
            return
        case .purchaseGrant(let r):
            let slot = ensureSlot(of: r.userID)
            accounts[slot].balance.rawValue &+= r.amount.rawValue
            accounts[slot].hasLedgerActivity = true
            liabilityTotal += Int128(r.amount.rawValue)
            if payments.purchases[r.paymentID] == nil {
                payments.purchases[r.paymentID] = PaymentLedger.PurchaseEntry(
                    userID: r.userID, seq: seq, eventID: r.eventID, amount: r.amount.rawValue)
            }
            noteAttempt(record, eventID: r.eventID, seq: seq, time: time)
            noticeEnforcement(slot: slot, seq: seq, time: time)
        case .cashRefund(let r):
            let slot = ensureSlot(of: r.userID)
            accounts[slot].balance.rawValue &-= r.amount.rawValue
            accounts[slot].hasLedgerActivity = true
            liabilityTotal -= Int128(r.amount.rawValue)
            payments.purchases[r.paymentID]?.cashRefunded &+= r.amount.rawValue
            noteAttempt(record, eventID: r.eventID, seq: seq, time: time)
            noticeEnforcement(slot: slot, seq: seq, time: time)
        case .paymentAttempt(let r):
            noteAttempt(record, eventID: r.eventID, seq: seq, time: time)
        default:
            assertionFailure("not a payment record")
        }
    }

    private mutating func noteAttempt(_ record: LedgerRecord, eventID: String, seq: Int64, time: Timestamp) {
        guard var entry = payments.events[eventID] else { return }  // The verifier reports an orphan attempt.
        Self.noteAttempt(record, seq: seq, in: &entry)
        entry.lastAttemptTime = time
        payments.events[eventID] = entry
    }
}
