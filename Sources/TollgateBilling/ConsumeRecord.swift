/// A consume as decided.
public struct ConsumeRecord: Hashable, Sendable {
    public var command: Command.Consume
    public var outcome: ConsumeOutcome
    public init(command: Command.Consume, outcome: ConsumeOutcome) {
        var command = command
        command.at = nil
        self.command = command; self.outcome = outcome
    }
}

extension ConsumeRecord {
    public var rejection: RejectionCode? { if case .rejected(let code) = outcome { code } else { nil } }
}

public enum ConsumeOutcome: Hashable, Sendable {
    case withinLimit
    case grace
    case warned
    case rejected(RejectionCode)

    var modeName: String {
        switch self {
        case .withinLimit: "within_limit"
        case .grace: "grace"
        case .warned: "warned"
        case .rejected: "rejected"
        }
    }
}
