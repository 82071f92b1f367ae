extension Command {
    /// The command's `op` as a command line spells it (``CommandOp``); for the payment commands, which no command
    /// line carries, the name of what they stand for. The one spelling of op names outside the parser: metrics
    /// label commands with it, and ``LedgerRecord/typeName`` uses the same ``CommandOp`` raw values.
    public var opName: String {
        switch commandOp {
        case .some(let op): op.rawValue
        case .none: if case .paymentEvent = self { LedgerRecordKind.paymentEvent.name } else { "retry_payment_event" }
        }
    }

    /// The command-line op that makes this command; nil for the payment commands (webhook and retries only).
    var commandOp: CommandOp? {
        switch self {
        case .grant: .grant
        case .debit: .debit
        case .refund: .refund
        case .setFlag: .setFlag
        case .clearFlag: .clearFlag
        case .definePlan: .definePlan
        case .subscribe: .subscribe
        case .setOverride: .setOverride
        case .clearOverride: .clearOverride
        case .consume: .consume
        case .suspend: .suspend
        case .reinstate: .reinstate
        case .setUserLimits: .setUserLimits
        case .paymentEvent, .retryPaymentEvent: nil
        }
    }
}
