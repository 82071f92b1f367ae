/// A validated billing command: what one JSON line of `tollgate apply` (or one HTTP request) asks for.
///
/// Parsing (``CommandParser``) guarantees every field already satisfies the input grammar of SEMANTICS.md
/// (identifiers, amounts > 0 where required, bounds); `decide` only applies business rules.
/// `at` is the caller's optional time; the engine turns it into the decision time (`max(at, last record time)`,
/// or its clock when absent).
public enum Command: Hashable, Sendable {
    case grant(Grant)
    case debit(Debit)
    case refund(Refund)
    case setFlag(SetFlag)
    case clearFlag(ClearFlag)
    case definePlan(DefinePlan)
    case subscribe(Subscribe)
    case setOverride(SetOverride)
    case clearOverride(ClearOverride)
    case consume(Consume)
    case suspend(AccountAction)
    case reinstate(AccountAction)
    case setUserLimits(SetUserLimits)
    /// A verified payment-provider event (never parsed from a command line: it reaches the engine only through the
    /// signed webhook route).
    case paymentEvent(PaymentDelivery)
    /// Another attempt at a stored payment event that is not applied yet (automatic retry or operator replay).
    case retryPaymentEvent(PaymentRetry)

    public struct PaymentDelivery: Hashable, Sendable {
        public var event: PaymentEvent
        public var at: Timestamp?
        public init(event: PaymentEvent, at: Timestamp? = nil) { self.event = event; self.at = at }
    }

    public struct PaymentRetry: Hashable, Sendable {
        public var eventID: String
        /// `system` for the automatic retries; the operator otherwise.
        public var initiatedBy: String
        public var at: Timestamp?
        public init(eventID: String, initiatedBy: String, at: Timestamp? = nil) {
            self.eventID = eventID; self.initiatedBy = initiatedBy; self.at = at
        }
    }

    public struct Grant: Hashable, Sendable {
        public var userID: String
        public var amount: Millicredits
        public var source: GrantSource
        public var initiatedBy: String?
        public var reason: String?
        public var idempotencyKey: String?
        public var at: Timestamp?
        public init(userID: String, amount: Millicredits, source: GrantSource = .admin, initiatedBy: String? = nil,
                    reason: String? = nil, idempotencyKey: String? = nil, at: Timestamp? = nil) {
            self.userID = userID; self.amount = amount; self.source = source; self.initiatedBy = initiatedBy
            self.reason = reason; self.idempotencyKey = idempotencyKey; self.at = at
        }
    }

    public struct Debit: Hashable, Sendable {
        public var userID: String
        public var amount: Millicredits
        public var sessionID: String?
        public var requestID: String?
        public var idempotencyKey: String?
        public var at: Timestamp?
        public init(userID: String, amount: Millicredits, sessionID: String? = nil, requestID: String? = nil,
                    idempotencyKey: String? = nil, at: Timestamp? = nil) {
            self.userID = userID; self.amount = amount; self.sessionID = sessionID; self.requestID = requestID
            self.idempotencyKey = idempotencyKey; self.at = at
        }
    }

    public struct Refund: Hashable, Sendable {
        public var userID: String
        public var debitSeq: Int64
        /// nil: everything of the debit not yet refunded.
        public var amount: Millicredits?
        public var initiatedBy: String
        public var reason: String?
        public var at: Timestamp?
        public init(userID: String, debitSeq: Int64, amount: Millicredits? = nil, initiatedBy: String,
                    reason: String? = nil, at: Timestamp? = nil) {
            self.userID = userID; self.debitSeq = debitSeq; self.amount = amount; self.initiatedBy = initiatedBy
            self.reason = reason; self.at = at
        }
    }

    public struct SetFlag: Hashable, Sendable {
        public var value: FlagValue
        public var initiatedBy: String
        public var at: Timestamp?
        public var flag: Flag { value.flag }
        public init(value: FlagValue, initiatedBy: String, at: Timestamp? = nil) {
            self.value = value; self.initiatedBy = initiatedBy; self.at = at
        }
    }

    public struct ClearFlag: Hashable, Sendable {
        public var flag: Flag
        public var initiatedBy: String
        public var at: Timestamp?
        public init(flag: Flag, initiatedBy: String, at: Timestamp? = nil) {
            self.flag = flag; self.initiatedBy = initiatedBy; self.at = at
        }
    }

    public struct DefinePlan: Hashable, Sendable {
        public var planID: String
        /// Entitlement key → limit (−1 unlimited, ≥ 0 otherwise). Encoders iterate it in sorted key order.
        public var entitlements: [String: Int64]
        /// Entitlement key → usage key. Encoders iterate it in sorted key order.
        public var usageKeys: [String: String]
        public var enforcementEnabled: Bool
        public var enforcementGraceCount: Int64
        public var thresholds: Thresholds
        /// Compact JSON text of `module_rules` as given (≤ 16 KiB); never part of a decision.
        public var moduleRulesJSON: String?
        public var initiatedBy: String
        public var at: Timestamp?
        public init(planID: String, entitlements: [String: Int64] = [:], usageKeys: [String: String] = [:],
                    enforcementEnabled: Bool = false, enforcementGraceCount: Int64 = 0,
                    thresholds: Thresholds = Thresholds(), moduleRulesJSON: String? = nil, initiatedBy: String,
                    at: Timestamp? = nil) {
            self.planID = planID; self.entitlements = entitlements; self.usageKeys = usageKeys
            self.enforcementEnabled = enforcementEnabled; self.enforcementGraceCount = enforcementGraceCount
            self.thresholds = thresholds; self.moduleRulesJSON = moduleRulesJSON; self.initiatedBy = initiatedBy
            self.at = at
        }
    }

    public struct Subscribe: Hashable, Sendable {
        public var userID: String
        public var planID: String
        public var initiatedBy: String?
        public var at: Timestamp?
        public init(userID: String, planID: String, initiatedBy: String? = nil, at: Timestamp? = nil) {
            self.userID = userID; self.planID = planID; self.initiatedBy = initiatedBy; self.at = at
        }
    }

    public struct SetOverride: Hashable, Sendable {
        public var userID: String
        public var entitlementKey: String
        /// −1 (unlimited) or ≥ 0.
        public var value: Int64
        public var expiresAt: Timestamp?
        public var initiatedBy: String
        public var at: Timestamp?
        public init(userID: String, entitlementKey: String, value: Int64, expiresAt: Timestamp? = nil,
                    initiatedBy: String, at: Timestamp? = nil) {
            self.userID = userID; self.entitlementKey = entitlementKey; self.value = value
            self.expiresAt = expiresAt; self.initiatedBy = initiatedBy; self.at = at
        }
    }

    public struct ClearOverride: Hashable, Sendable {
        public var userID: String
        public var entitlementKey: String
        public var initiatedBy: String
        public var at: Timestamp?
        public init(userID: String, entitlementKey: String, initiatedBy: String, at: Timestamp? = nil) {
            self.userID = userID; self.entitlementKey = entitlementKey; self.initiatedBy = initiatedBy; self.at = at
        }
    }

    public struct Consume: Hashable, Sendable {
        public var userID: String
        public var entitlementKey: String
        /// ≥ 1.
        public var quantity: Int64
        public var idempotencyKey: String?
        public var at: Timestamp?
        public init(userID: String, entitlementKey: String, quantity: Int64 = 1, idempotencyKey: String? = nil,
                    at: Timestamp? = nil) {
            self.userID = userID; self.entitlementKey = entitlementKey; self.quantity = quantity
            self.idempotencyKey = idempotencyKey; self.at = at
        }
    }

    /// `suspend` and `reinstate`.
    public struct AccountAction: Hashable, Sendable {
        public var userID: String
        public var initiatedBy: String
        public var reason: String?
        public var at: Timestamp?
        public init(userID: String, initiatedBy: String, reason: String? = nil, at: Timestamp? = nil) {
            self.userID = userID; self.initiatedBy = initiatedBy; self.reason = reason; self.at = at
        }
    }

    public struct SetUserLimits: Hashable, Sendable {
        public var userID: String
        public var singleRequestCap: CapPatch
        public var dailyCap: CapPatch
        public var sessionCap: CapPatch
        public var initiatedBy: String
        public var at: Timestamp?
        public init(userID: String, singleRequestCap: CapPatch = .unchanged, dailyCap: CapPatch = .unchanged,
                    sessionCap: CapPatch = .unchanged, initiatedBy: String, at: Timestamp? = nil) {
            self.userID = userID; self.singleRequestCap = singleRequestCap; self.dailyCap = dailyCap
            self.sessionCap = sessionCap; self.initiatedBy = initiatedBy; self.at = at
        }
    }

    /// The caller's requested time, if any.
    public var at: Timestamp? {
        switch self {
        case .grant(let c): c.at
        case .debit(let c): c.at
        case .refund(let c): c.at
        case .setFlag(let c): c.at
        case .clearFlag(let c): c.at
        case .definePlan(let c): c.at
        case .subscribe(let c): c.at
        case .setOverride(let c): c.at
        case .clearOverride(let c): c.at
        case .consume(let c): c.at
        case .suspend(let c): c.at
        case .reinstate(let c): c.at
        case .setUserLimits(let c): c.at
        case .paymentEvent(let c): c.at
        case .retryPaymentEvent(let c): c.at
        }
    }
}

public enum GrantSource: String, CaseIterable, Hashable, Sendable {
    case admin, purchase, promo, adjustment
}

/// A patch of one per-user cap in `set_user_limits`: absent leaves it, `null` clears it, an amount sets it.
public enum CapPatch: Hashable, Sendable {
    case unchanged
    case clear
    case set(Millicredits)
}

/// Plan thresholds; missing keys in a command take these defaults.
public struct Thresholds: Hashable, Sendable {
    public var warnPct: Int64
    public var hardPct: Int64
    public var graceHours: Int64
    public var overageBufferPct: Int64
    public init(warnPct: Int64 = 80, hardPct: Int64 = 100, graceHours: Int64 = 48, overageBufferPct: Int64 = 0) {
        self.warnPct = warnPct; self.hardPct = hardPct; self.graceHours = graceHours
        self.overageBufferPct = overageBufferPct
    }
}

/// The global flags of SEMANTICS.md.
public enum Flag: String, CaseIterable, Hashable, Sendable {
    case creditEnforcementEnabled = "credit_enforcement_enabled"
    case shadowBillingEnabled = "shadow_billing_enabled"
    case billingChargingEnabled = "billing_charging_enabled"
    case billingRolloutPercentage = "billing_rollout_percentage"
    case billingAllowlist = "billing_allowlist"
    case lowBalanceThreshold = "low_balance_threshold"
    case singleRequestCap = "single_request_cap"
    case dailyCap = "daily_cap"
    case sessionCap = "session_cap"
    case anomalyCircuitBreakerEnabled = "anomaly_circuit_breaker_enabled"
}

/// A flag together with a value of its type (validated by the parser).
public enum FlagValue: Hashable, Sendable {
    case creditEnforcementEnabled(Bool)
    case shadowBillingEnabled(Bool)
    case billingChargingEnabled(Bool)
    /// 0–100.
    case billingRolloutPercentage(Int64)
    /// User ids in the order given (duplicates allowed; membership is what counts).
    case billingAllowlist([String])
    /// May be negative.
    case lowBalanceThreshold(Millicredits)
    /// ≥ 0.
    case singleRequestCap(Millicredits)
    case dailyCap(Millicredits)
    case sessionCap(Millicredits)
    case anomalyCircuitBreakerEnabled(Bool)

    public var flag: Flag {
        switch self {
        case .creditEnforcementEnabled: .creditEnforcementEnabled
        case .shadowBillingEnabled: .shadowBillingEnabled
        case .billingChargingEnabled: .billingChargingEnabled
        case .billingRolloutPercentage: .billingRolloutPercentage
        case .billingAllowlist: .billingAllowlist
        case .lowBalanceThreshold: .lowBalanceThreshold
        case .singleRequestCap: .singleRequestCap
        case .dailyCap: .dailyCap
        case .sessionCap: .sessionCap
        case .anomalyCircuitBreakerEnabled: .anomalyCircuitBreakerEnabled
        }
    }
}

/// Bad input: a value, never a thrown error. Appends nothing; renders as the `invalid` result.
public struct InvalidRequest: Error, Hashable, Sendable {
    /// The offending field, when one is to blame (`amount`, `at`, …).
    public var field: String?
    public var message: String
    public init(field: String? = nil, message: String) { self.field = field; self.message = message }

    /// The result line of the contract: exactly `status`, `code`, `http_status`, `message` (the message names the
    /// field; the HTTP layer adds `field` to its error body).
    public var result: JSONValue {
        .object([
            ("status", .string("invalid")), ("code", .string("invalid_request")), ("http_status", .int(422)),
            ("message", .string(message)),
        ])
    }
}
