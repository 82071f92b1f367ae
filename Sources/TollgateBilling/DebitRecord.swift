/// A debit as decided, with the effective `credit_enforcement_enabled` it used.
public struct DebitRecord: Hashable, Sendable {
    public var command: Command.Debit
    public var enforcementEnabled: Bool
    public var outcome: DebitOutcome
    public init(command: Command.Debit, enforcementEnabled: Bool, outcome: DebitOutcome) {
        var command = command
        command.at = nil
        self.command = command; self.enforcementEnabled = enforcementEnabled; self.outcome = outcome
    }
}

extension DebitRecord {
    public var rejection: RejectionCode? { if case .rejected(let code) = outcome { code } else { nil } }
}

public enum DebitOutcome: Hashable, Sendable {
    /// `mode:"charged"`; `warned` when the balance before was ≤ 0 with enforcement off.
    case charged(Millicredits, warned: Bool, anomaly: Bool)
    /// Kill switch: `mode:"free"`.
    case free
    /// `mode:"shadow"`.
    case shadow
    case rejected(RejectionCode)
}
