/// A refund as decided; `command.amount` is always the resolved amount (never nil in a record).
public struct RefundRecord: Hashable, Sendable {
    public var command: Command.Refund
    public var rejection: RejectionCode?
    public init(command: Command.Refund, rejection: RejectionCode? = nil) {
        var command = command
        command.at = nil
        self.command = command; self.rejection = rejection
    }
    public var amount: Millicredits { command.amount ?? .zero }
}
