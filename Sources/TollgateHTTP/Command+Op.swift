import TollgateBilling

extension Command {
    /// The command's `op` as written in a command line; a metrics label.
    var op: String {
        switch self {
        case .grant: "grant"
        case .debit: "debit"
        case .refund: "refund"
        case .setFlag: "set_flag"
        case .clearFlag: "clear_flag"
        case .definePlan: "define_plan"
        case .subscribe: "subscribe"
        case .setOverride: "set_override"
        case .clearOverride: "clear_override"
        case .consume: "consume"
        case .suspend: "suspend"
        case .reinstate: "reinstate"
        case .setUserLimits: "set_user_limits"
        case .paymentEvent: "payment_event"
        case .retryPaymentEvent: "retry_payment_event"
        }
    }
}
