/// Every member name a command object may have, over all ops (which op allows which: ``CommandOp``).
enum CommandField: UInt8, CaseIterable, Hashable {
    case op
    case userID
    case amount
    case source
    case initiatedBy
    case reason
    case idempotencyKey
    case at
    case sessionID
    case requestID
    case debitSeq
    case flag
    case value
    case planID
    case entitlements
    case usageKeys
    case enforcementEnabled
    case enforcementGraceCount
    case thresholds
    case moduleRules
    case entitlementKey
    case expiresAt
    case quantity
    case singleRequestCap
    case dailyCap
    case sessionCap

    /// This field's bit in a field mask.
    @inline(__always)
    var bit: UInt32 { 1 << UInt32(rawValue) }

    /// The JSON member name.
    var name: StaticString {
        switch self {
        case .op: "op"
        case .userID: "user_id"
        case .amount: "amount"
        case .source: "source"
        case .initiatedBy: "initiated_by"
        case .reason: "reason"
        case .idempotencyKey: "idempotency_key"
        case .at: "at"
        case .sessionID: "session_id"
        case .requestID: "request_id"
        case .debitSeq: "debit_seq"
        case .flag: "flag"
        case .value: "value"
        case .planID: "plan_id"
        case .entitlements: "entitlements"
        case .usageKeys: "usage_keys"
        case .enforcementEnabled: "enforcement_enabled"
        case .enforcementGraceCount: "enforcement_grace_count"
        case .thresholds: "thresholds"
        case .moduleRules: "module_rules"
        case .entitlementKey: "entitlement_key"
        case .expiresAt: "expires_at"
        case .quantity: "quantity"
        case .singleRequestCap: "single_request_cap"
        case .dailyCap: "daily_cap"
        case .sessionCap: "session_cap"
        }
    }

    var nameString: String { name.description }

    /// Looks a decoded member name up; nil for a name no op has. Dispatches on length, then compares bytes.
    init?(name bytes: UnsafeBufferPointer<UInt8>) {
        @inline(__always)
        func match(_ field: CommandField) -> CommandField? { Self.equal(bytes, field.name) ? field : nil }
        let field: CommandField?
        switch bytes.count {
        case 2: field = match(.op) ?? match(.at)
        case 4: field = match(.flag)
        case 5: field = match(.value)
        case 6: field = match(.amount) ?? match(.source) ?? match(.reason)
        case 7: field = match(.userID) ?? match(.planID)
        case 8: field = match(.quantity)
        case 9: field = match(.debitSeq) ?? match(.dailyCap)
        case 10:
            field =
                match(.sessionID) ?? match(.requestID) ?? match(.usageKeys) ?? match(.thresholds)
                ?? match(.expiresAt)
        case 11: field = match(.sessionCap)
        case 12: field = match(.initiatedBy) ?? match(.entitlements) ?? match(.moduleRules)
        case 15: field = match(.idempotencyKey) ?? match(.entitlementKey)
        case 18: field = match(.singleRequestCap)
        case 19: field = match(.enforcementEnabled)
        case 23: field = match(.enforcementGraceCount)
        default: field = nil
        }
        guard let field else { return nil }
        self = field
    }

    @inline(__always)
    static func equal(_ bytes: UnsafeBufferPointer<UInt8>, _ name: StaticString) -> Bool {
        let count = name.utf8CodeUnitCount
        guard bytes.count == count else { return false }
        let text = name.utf8Start
        for offset in 0..<count where bytes[offset] != text[offset] { return false }
        return true
    }
}
