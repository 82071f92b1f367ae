/// Every record as named fields: the form `tollgate tail` prints and the audit trail shows. Derived from the
/// record alone (no state), so it is the same whatever was folded before.
extension LedgerRecord {
    /// The op name of the command the record decided (`grant`, `debit`, …); `breaker_suspension` for the circuit
    /// breaker's automatic suspension.
    public var typeName: String { kind.name }

    /// Who made the record: the command's `initiated_by`; `system` for the breaker's suspension; nil for debits,
    /// consumes and the grants and subscribes that named nobody.
    public var initiatedBy: String? {
        switch self {
        case .grant(let r): r.command.initiatedBy
        case .debit, .consume: nil
        case .refund(let r): r.command.initiatedBy
        case .setFlag(let c): c.initiatedBy
        case .clearFlag(let c): c.initiatedBy
        case .definePlan(let c): c.initiatedBy
        case .subscribe(let c): c.initiatedBy
        case .setOverride(let c): c.initiatedBy
        case .clearOverride(let c): c.initiatedBy
        case .suspend(let c): c.initiatedBy
        case .reinstate(let c): c.initiatedBy
        case .setUserLimits(let c): c.initiatedBy
        case .breakerSuspension: Self.breakerInitiator
        case .paymentEvent: Self.webhookInitiator
        case .purchaseGrant(let r): r.initiatedBy
        case .cashRefund(let r): r.initiatedBy
        case .paymentAttempt(let r): r.initiatedBy
        }
    }

    /// Whether a record of this type tag can name an initiator (``initiatedBy``): false only for debits and
    /// consumes, which never do. Lets `audit` skip decoding the bulk of a log it must scan; unknown tags answer
    /// true, so a new record kind is decoded (and checked) until someone decides otherwise here.
    public static func mayHaveInitiator(typeTag: UInt8) -> Bool {
        typeTag != LedgerRecordKind.debit.rawValue && typeTag != LedgerRecordKind.consume.rawValue
    }

    /// The initiator and reason the contract gives the circuit breaker's suspension.
    public static let breakerInitiator = "system"
    public static let breakerReason = "circuit_breaker"
    /// The initiator of a payment event and of the attempt made on its delivery.
    public static let webhookInitiator = "webhook"

    /// `applied` or `rejected`.
    public var status: String { rejection == nil ? "applied" : "rejected" }

    /// The record's fields in a fixed order per type; optional fields are present as `null` so every line of a
    /// type has the same keys (a cap left unchanged by `set_user_limits` is the one omission: absent ≠ cleared).
    public var fieldsJSON: JSONValue {
        var members: [(String, JSONValue)] = []
        func add(_ key: String, _ value: JSONValue) { members.append((key, value)) }
        func add(_ key: String, _ value: String?) { members.append((key, value.map(JSONValue.string) ?? .null)) }
        func addOutcome(_ rejection: RejectionCode?) {
            add("status", .string(rejection == nil ? "applied" : "rejected"))
            add("code", rejection.map { JSONValue.string($0.code) } ?? .null)
        }
        switch self {
        case .grant(let r):
            add("user_id", r.command.userID)
            add("amount", .amount(r.command.amount))
            add("source", r.command.source.rawValue)
            add("initiated_by", r.command.initiatedBy)
            add("reason", r.command.reason)
            add("idempotency_key", r.command.idempotencyKey)
            addOutcome(r.rejection)
        case .debit(let r):
            add("user_id", r.command.userID)
            add("amount", .amount(r.command.amount))
            add("session_id", r.command.sessionID)
            add("request_id", r.command.requestID)
            add("idempotency_key", r.command.idempotencyKey)
            add("enforcement_enabled", .bool(r.enforcementEnabled))
            addOutcome(r.rejection)
            switch r.outcome {
            case .charged(let charged, let warned, let anomaly):
                add("mode", "charged")
                add("charged", .amount(charged))
                add("warned", .bool(warned))
                add("anomaly", .bool(anomaly))
            case .free:
                add("mode", "free")
                add("charged", .amount(.zero))
                add("warned", .bool(false))
                add("anomaly", .bool(false))
            case .shadow:
                add("mode", "shadow")
                add("charged", .amount(.zero))
                add("warned", .bool(false))
                add("anomaly", .bool(false))
            case .rejected:
                add("mode", .null)
                add("charged", .amount(.zero))
                add("warned", .bool(false))
                add("anomaly", .bool(false))
            }
        case .refund(let r):
            add("user_id", r.command.userID)
            add("debit_seq", .int(r.command.debitSeq))
            add("amount", .amount(r.amount))
            add("initiated_by", r.command.initiatedBy)
            add("reason", r.command.reason)
            addOutcome(r.rejection)
        case .setFlag(let c):
            add("flag", c.flag.rawValue)
            add("value", c.value.json)
            add("initiated_by", c.initiatedBy)
        case .clearFlag(let c):
            add("flag", c.flag.rawValue)
            add("initiated_by", c.initiatedBy)
        case .definePlan(let c):
            add("plan_id", c.planID)
            add("entitlements", .object(c.entitlements.sorted { $0.key < $1.key }.map { ($0.key, .int($0.value)) }))
            add("usage_keys", .object(c.usageKeys.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) }))
            add("enforcement_enabled", .bool(c.enforcementEnabled))
            add("enforcement_grace_count", .int(c.enforcementGraceCount))
            add(
                "thresholds",
                .object([
                    ("warn_pct", .int(c.thresholds.warnPct)), ("hard_pct", .int(c.thresholds.hardPct)),
                    ("grace_hours", .int(c.thresholds.graceHours)),
                    ("overage_buffer_pct", .int(c.thresholds.overageBufferPct)),
                ]))
            // The compact JSON text as stored; a string, so the line never depends on re-rendering it.
            add("module_rules", c.moduleRulesJSON)
            add("initiated_by", c.initiatedBy)
        case .subscribe(let c):
            add("user_id", c.userID)
            add("plan_id", c.planID)
            add("initiated_by", c.initiatedBy)
        case .setOverride(let c):
            add("user_id", c.userID)
            add("entitlement_key", c.entitlementKey)
            add("value", .int(c.value))
            add("expires_at", c.expiresAt?.rfc3339)
            add("initiated_by", c.initiatedBy)
        case .clearOverride(let c):
            add("user_id", c.userID)
            add("entitlement_key", c.entitlementKey)
            add("initiated_by", c.initiatedBy)
        case .consume(let r):
            add("user_id", r.command.userID)
            add("entitlement_key", r.command.entitlementKey)
            add("quantity", .int(r.command.quantity))
            add("idempotency_key", r.command.idempotencyKey)
            addOutcome(r.rejection)
            add("mode", r.rejection == nil ? .string(r.outcome.modeName) : .null)
        case .suspend(let c), .reinstate(let c):
            add("user_id", c.userID)
            add("initiated_by", c.initiatedBy)
            add("reason", c.reason)
        case .setUserLimits(let c):
            add("user_id", c.userID)
            for (key, patch) in [
                ("single_request_cap", c.singleRequestCap), ("daily_cap", c.dailyCap), ("session_cap", c.sessionCap),
            ] {
                switch patch {
                case .unchanged: break
                case .clear: add(key, .null)
                case .set(let amount): add(key, .amount(amount))
                }
            }
            add("initiated_by", c.initiatedBy)
        case .breakerSuspension(let userID):
            add("user_id", userID)
            add("initiated_by", Self.breakerInitiator)
            add("reason", Self.breakerReason)
        case .paymentEvent(let e):
            add("event_id", e.eventID)
            add("event_type", e.kind.name)
            add("created", .int(e.createdUnixSeconds))
            add("user_id", e.userID)
            add("amount_cents", .int(e.amountCents))
            add("currency", e.currency)
            add("payment_id", e.paymentID)
        case .purchaseGrant(let r):
            add("user_id", r.userID)
            add("amount", .amount(r.amount))
            add("source", GrantSource.purchase.rawValue)
            add("payment_id", r.paymentID)
            add("event_id", r.eventID)
            add("attempt", .int(r.attempt))
            add("initiated_by", r.initiatedBy)
        case .cashRefund(let r):
            add("user_id", r.userID)
            add("amount", .amount(r.amount))
            add("payment_id", r.paymentID)
            add("purchase_seq", .int(r.purchaseSeq))
            add("event_id", r.eventID)
            add("attempt", .int(r.attempt))
            add("initiated_by", r.initiatedBy)
        case .paymentAttempt(let r):
            add("event_id", r.eventID)
            add("attempt", .int(r.attempt))
            add("outcome", r.outcome.code)
            add("failed", .bool(r.outcome.isFailure))
            add("initiated_by", r.initiatedBy)
        }
        return .object(members)
    }

    /// `{"seq":N,"time":"…","type":"…","fields":{…}}`: one line of `tollgate tail`.
    public func json(seq: Int64, time: Timestamp) -> JSONValue {
        .object([("seq", .int(seq)), ("time", .string(time.rfc3339)), ("type", .string(typeName)), ("fields", fieldsJSON)])
    }
}

extension FlagValue {
    /// The value as the contract's JSON input spells it (amounts as 3-decimal strings).
    public var json: JSONValue {
        switch self {
        case .creditEnforcementEnabled(let on), .shadowBillingEnabled(let on), .billingChargingEnabled(let on),
            .anomalyCircuitBreakerEnabled(let on):
            .bool(on)
        case .billingRolloutPercentage(let percent): .int(percent)
        case .billingAllowlist(let users): .array(users.map(JSONValue.string))
        case .lowBalanceThreshold(let amount), .singleRequestCap(let amount), .dailyCap(let amount),
            .sessionCap(let amount):
            .amount(amount)
        }
    }
}

extension LedgerRecordKind {
    /// The kind's `type` in `tail` and `audit` output: for a record of a command, the command's `op`
    /// (``CommandOp`` raw value, the same spelling the parser reads); the other kinds have names of their own.
    var name: String {
        switch self {
        case .grant: CommandOp.grant.rawValue
        case .debit: CommandOp.debit.rawValue
        case .refund: CommandOp.refund.rawValue
        case .setFlag: CommandOp.setFlag.rawValue
        case .clearFlag: CommandOp.clearFlag.rawValue
        case .definePlan: CommandOp.definePlan.rawValue
        case .subscribe: CommandOp.subscribe.rawValue
        case .setOverride: CommandOp.setOverride.rawValue
        case .clearOverride: CommandOp.clearOverride.rawValue
        case .consume: CommandOp.consume.rawValue
        case .suspend: CommandOp.suspend.rawValue
        case .reinstate: CommandOp.reinstate.rawValue
        case .setUserLimits: CommandOp.setUserLimits.rawValue
        case .breakerSuspension: "breaker_suspension"
        case .paymentEvent: "payment_event"
        case .purchaseGrant: "purchase_grant"
        case .cashRefund: "cash_refund"
        case .paymentAttempt: "payment_attempt"
        }
    }
}
