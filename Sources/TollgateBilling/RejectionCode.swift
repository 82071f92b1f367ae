/// The business refusals of SEMANTICS.md: a `rejected` decision is appended with one of these codes.
///
/// Raw values are part of the record format (docs/record-format.md): never renumber, only add.
public enum RejectionCode: UInt8, CaseIterable, Hashable, Sendable {
    case idempotencyConflict = 1
    case accountSuspended = 2
    case requestCapExceeded = 3
    case dailyCapExceeded = 4
    case sessionCapExceeded = 5
    case insufficientCredits = 6
    case quotaExceeded = 7
    /// Not in the contract: a grant, refund or debit whose balance would leave the Int64 range of millicredits.
    case balanceLimitExceeded = 8

    public var code: String {
        switch self {
        case .idempotencyConflict: "idempotency_conflict"
        case .accountSuspended: "account_suspended"
        case .requestCapExceeded: "request_cap_exceeded"
        case .dailyCapExceeded: "daily_cap_exceeded"
        case .sessionCapExceeded: "session_cap_exceeded"
        case .insufficientCredits: "insufficient_credits"
        case .quotaExceeded: "quota_exceeded"
        case .balanceLimitExceeded: "balance_limit_exceeded"
        }
    }

    public var httpStatus: Int64 {
        switch self {
        case .idempotencyConflict: 409
        case .accountSuspended: 403
        case .requestCapExceeded: 422
        case .dailyCapExceeded: 429
        case .sessionCapExceeded: 429
        case .insufficientCredits: 402
        case .quotaExceeded: 403
        case .balanceLimitExceeded: 422
        }
    }

    /// The human message; `entitlementKey` names the key for `quota_exceeded`.
    func message(entitlementKey: String? = nil) -> String {
        switch self {
        case .idempotencyConflict: "Idempotency key already used with a different payload."
        case .accountSuspended: "Account is suspended."
        case .requestCapExceeded: "Amount exceeds the single request cap."
        case .dailyCapExceeded: "Daily cap exceeded."
        case .sessionCapExceeded: "Session cap exceeded."
        case .insufficientCredits: "Insufficient credits. Please top up your account."
        case .quotaExceeded: "Quota exceeded for entitlement \(entitlementKey ?? "")."
        case .balanceLimitExceeded: "Balance would exceed the representable range."
        }
    }
}
