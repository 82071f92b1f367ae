/// Read-side of the payment ledger: the webhook list (`tollgate webhooks list`, `GET /api/v1/admin/webhooks`) and
/// which events an automatic retry is due for. Sorted by the event record's seq, never by dictionary order.
extension State {
    /// One stored payment event as listed.
    public struct PaymentEventSummary: Hashable, Sendable {
        public var event: PaymentEvent
        public var seq: Int64
        public var status: PaymentEventStatus
        public var attemptCount: Int64
        public var failedAttemptCount: Int64
        /// The code of the last attempt that moved no credits (`unknown_user`, …); nil when applied or untried.
        public var lastOutcome: PaymentAttemptOutcome?
        public var lastAttemptTime: Timestamp?
        public var settledSeq: Int64?

        public var json: JSONValue {
            .object([
                ("event_id", .string(event.eventID)), ("event_type", .string(event.kind.name)),
                ("seq", .int(seq)), ("status", .string(status.rawValue)), ("attempts", .int(attemptCount)),
                ("failed_attempts", .int(failedAttemptCount)),
                ("last_outcome", lastOutcome.map { .string($0.code) } ?? .null),
                ("last_attempt_at", lastAttemptTime.map { .string($0.rfc3339) } ?? .null),
                ("settled_seq", settledSeq.map(JSONValue.int) ?? .null),
                ("user_id", event.userID.map(JSONValue.string) ?? .null), ("payment_id", .string(event.paymentID)),
                ("amount_cents", .int(event.amountCents)), ("currency", .string(event.currency)),
                ("created", .int(event.createdUnixSeconds)),
            ])
        }
    }

    /// Every stored event (or only the dead-lettered ones), oldest first.
    public func paymentEvents(deadOnly: Bool = false) -> [PaymentEventSummary] {
        payments.events.values.lazy
            .filter { !deadOnly || $0.isDead }
            .sorted { $0.seq < $1.seq }
            .map(Self.summary(of:))
    }

    /// One stored event by id.
    public func paymentEvent(eventID: String) -> PaymentEventSummary? {
        payments.events[eventID].map(Self.summary(of:))
    }

    /// `{"events":[…],"count":N,"truncated":bool}`: the oldest `limit` events (all when nil); `count` is how many
    /// match.
    public func paymentEventsJSON(deadOnly: Bool = false, limit: Int? = nil) -> JSONValue {
        precondition(limit.map { $0 >= 0 } ?? true)
        let events = paymentEvents(deadOnly: deadOnly)
        let shown = events.prefix(limit ?? events.count)
        return .object([
            ("events", .array(shown.map(\.json))), ("count", .int(Int64(events.count))),
            ("truncated", .bool(shown.count < events.count)),
        ])
    }

    /// Pending events (not applied, not dead) whose last attempt is at least `intervalMilliseconds` before `now`,
    /// oldest first, at most `countMax`: what an automatic retry pass attempts.
    public func paymentEventsDueForRetry(now: Timestamp, intervalMilliseconds: Int64, countMax: Int) -> [String] {
        precondition(intervalMilliseconds >= 0 && countMax >= 0)
        return payments.events.values.lazy
            .filter { entry in
                guard entry.status == .pending, let last = entry.lastAttemptTime else { return false }
                return now.rawValue &- last.rawValue >= intervalMilliseconds
            }
            .sorted { $0.seq < $1.seq }
            .prefix(countMax)
            .map(\.event.eventID)
    }

    private static func summary(of entry: PaymentLedger.EventEntry) -> PaymentEventSummary {
        PaymentEventSummary(
            event: entry.event, seq: entry.seq, status: entry.status, attemptCount: entry.attemptCount,
            failedAttemptCount: entry.failedAttemptCount, lastOutcome: entry.lastOutcome,
            lastAttemptTime: entry.lastAttemptTime, settledSeq: entry.settledSeq)
    }
}
