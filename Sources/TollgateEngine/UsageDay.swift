import TollgateBilling

/// Debits and consumption of one UTC day (`tollgate usage --bucket day`, `/admin/usage/summary?bucket=day`).
///
/// Counts are records: a debit or consume retried with the same key and answered `duplicate` is not a record and
/// is never counted. Amounts are sums of the amounts the debits named (`charged` of charged debits, the would-be
/// charge of shadow debits, the amount of free ones).
public struct UsageDay: Sendable, Equatable {
    /// Days since 1970-01-01 (UTC).
    public var dayNumber: Int64
    public var debitCount: Int64 = 0
    public var chargedCount: Int64 = 0
    public var charged = Millicredits.zero
    /// Charged debits applied warn-only (balance ≤ 0 with enforcement off).
    public var warnedCount: Int64 = 0
    public var shadowCount: Int64 = 0
    public var shadow = Millicredits.zero
    public var freeCount: Int64 = 0
    public var free = Millicredits.zero
    public var rejectedCount: Int64 = 0
    /// Rejected debits by code.
    public var rejectedByCode: [String: Int64] = [:]
    /// Consumes per entitlement key.
    public var entitlements: [String: EntitlementUsage] = [:]

    public init(dayNumber: Int64) { self.dayNumber = dayNumber }

    public struct EntitlementUsage: Sendable, Equatable {
        /// Σ quantity of applied consumes (within limit, grace and warned).
        public var quantity: Int64 = 0
        public var withinLimitCount: Int64 = 0
        public var graceCount: Int64 = 0
        public var warnedCount: Int64 = 0
        public var rejectedCount: Int64 = 0

        public var json: JSONValue {
            .object([
                ("quantity", .int(quantity)), ("within_limit", .int(withinLimitCount)), ("grace", .int(graceCount)),
                ("warned", .int(warnedCount)), ("rejected", .int(rejectedCount)),
            ])
        }
    }

    /// `YYYY-MM-DD`.
    public var date: String {
        String(Timestamp(millisecondsSinceEpoch: dayNumber * Timestamp.millisecondsPerDay).rfc3339.prefix(10))
    }

    /// Adds one record; false when the record is neither a debit nor a consume.
    @discardableResult
    public mutating func add(_ record: LedgerRecord) -> Bool {
        switch record {
        case .debit(let r):
            debitCount += 1
            switch r.outcome {
            case .charged(let amount, let warned, _):
                chargedCount += 1
                charged.rawValue &+= amount.rawValue
                if warned { warnedCount += 1 }
            case .shadow:
                shadowCount += 1
                shadow.rawValue &+= r.command.amount.rawValue
            case .free:
                freeCount += 1
                free.rawValue &+= r.command.amount.rawValue
            case .rejected(let code):
                rejectedCount += 1
                rejectedByCode[code.code, default: 0] += 1
            }
            return true
        case .consume(let r):
            var usage = entitlements[r.command.entitlementKey] ?? EntitlementUsage()
            switch r.outcome {
            case .withinLimit: usage.withinLimitCount += 1
            case .grace: usage.graceCount += 1
            case .warned: usage.warnedCount += 1
            case .rejected: usage.rejectedCount += 1
            }
            if r.rejection == nil {
                let (sum, overflow) = usage.quantity.addingReportingOverflow(r.command.quantity)
                usage.quantity = overflow ? .max : sum  // Saturates like usage counters do.
            }
            entitlements[r.command.entitlementKey] = usage
            return true
        default:
            return false
        }
    }

    /// Keys sorted, so the line never depends on dictionary order.
    public var json: JSONValue {
        .object([
            ("day", .string(date)), ("debits", .int(debitCount)), ("charged_count", .int(chargedCount)),
            ("charged", .amount(charged)), ("warned_count", .int(warnedCount)), ("shadow_count", .int(shadowCount)),
            ("shadow", .amount(shadow)), ("free_count", .int(freeCount)), ("free", .amount(free)),
            ("rejected_count", .int(rejectedCount)),
            ("rejected", .object(rejectedByCode.sorted { $0.key < $1.key }.map { ($0.key, .int($0.value)) })),
            ("entitlements", .object(entitlements.sorted { $0.key < $1.key }.map { ($0.key, $0.value.json) })),
        ])
    }
}
