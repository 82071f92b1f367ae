/// The `op` of a command line and the member names it allows (SEMANTICS.md, "Commands").
enum CommandOp: String, CaseIterable, Hashable {
    case grant
    case debit
    case refund
    case setFlag = "set_flag"
    case clearFlag = "clear_flag"
    case definePlan = "define_plan"
    case subscribe
    case setOverride = "set_override"
    case clearOverride = "clear_override"
    case consume
    case suspend
    case reinstate
    case setUserLimits = "set_user_limits"

    /// Looks an `op` value up by its UTF-8 bytes.
    init?(name bytes: UnsafeBufferPointer<UInt8>) {
        @inline(__always)
        func match(_ op: CommandOp, _ name: StaticString) -> CommandOp? {
            CommandField.equal(bytes, name) ? op : nil
        }
        let op: CommandOp?
        switch bytes.count {
        case 5: op = match(.grant, "grant") ?? match(.debit, "debit")
        case 6: op = match(.refund, "refund")
        case 7: op = match(.consume, "consume") ?? match(.suspend, "suspend")
        case 8: op = match(.setFlag, "set_flag")
        case 9: op = match(.subscribe, "subscribe") ?? match(.reinstate, "reinstate")
        case 10: op = match(.clearFlag, "clear_flag")
        case 11: op = match(.definePlan, "define_plan")
        case 12: op = match(.setOverride, "set_override")
        case 14: op = match(.clearOverride, "clear_override")
        case 15: op = match(.setUserLimits, "set_user_limits")
        default: op = nil
        }
        guard let op else { return nil }
        self = op
    }

    /// Every member this op accepts, `op` included; any other member makes the line invalid.
    var allowedFieldMask: UInt32 {
        let common = CommandField.op.bit | CommandField.at.bit
        switch self {
        case .grant:
            return common | CommandField.userID.bit | CommandField.amount.bit | CommandField.source.bit
                | CommandField.initiatedBy.bit | CommandField.reason.bit | CommandField.idempotencyKey.bit
        case .debit:
            return common | CommandField.userID.bit | CommandField.amount.bit | CommandField.sessionID.bit
                | CommandField.requestID.bit | CommandField.idempotencyKey.bit
        case .refund:
            return common | CommandField.userID.bit | CommandField.debitSeq.bit | CommandField.amount.bit
                | CommandField.initiatedBy.bit | CommandField.reason.bit
        case .setFlag:
            return common | CommandField.flag.bit | CommandField.value.bit | CommandField.initiatedBy.bit
        case .clearFlag:
            return common | CommandField.flag.bit | CommandField.initiatedBy.bit
        case .definePlan:
            return common | CommandField.planID.bit | CommandField.entitlements.bit | CommandField.usageKeys.bit
                | CommandField.enforcementEnabled.bit | CommandField.enforcementGraceCount.bit
                | CommandField.thresholds.bit | CommandField.moduleRules.bit | CommandField.initiatedBy.bit
        case .subscribe:
            return common | CommandField.userID.bit | CommandField.planID.bit | CommandField.initiatedBy.bit
        case .setOverride:
            return common | CommandField.userID.bit | CommandField.entitlementKey.bit | CommandField.value.bit
                | CommandField.expiresAt.bit | CommandField.initiatedBy.bit
        case .clearOverride:
            return common | CommandField.userID.bit | CommandField.entitlementKey.bit
                | CommandField.initiatedBy.bit
        case .consume:
            return common | CommandField.userID.bit | CommandField.entitlementKey.bit | CommandField.quantity.bit
                | CommandField.idempotencyKey.bit
        case .suspend, .reinstate:
            return common | CommandField.userID.bit | CommandField.initiatedBy.bit | CommandField.reason.bit
        case .setUserLimits:
            return common | CommandField.userID.bit | CommandField.singleRequestCap.bit | CommandField.dailyCap.bit
                | CommandField.sessionCap.bit | CommandField.initiatedBy.bit
        }
    }
}
