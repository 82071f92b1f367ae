/// A grant as decided: applied (`rejection` nil) or refused.
public struct GrantRecord: Hashable, Sendable {
    public var command: Command.Grant
    public var rejection: RejectionCode?
    public init(command: Command.Grant, rejection: RejectionCode? = nil) {
        var command = command
        command.at = nil
        self.command = command; self.rejection = rejection
    }
}
