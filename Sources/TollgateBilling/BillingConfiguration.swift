/// What the engine was started with that changes decisions but is not a log record.
///
/// Replay must be given the same configuration as the run that wrote the log: every debit record stores the
/// effective enforcement value it used, and the verifier checks it against this configuration plus the flag records.
public struct BillingConfiguration: Hashable, Sendable {
    /// The config default of `credit_enforcement_enabled` (env `CREDIT_ENFORCEMENT_ENABLED`, else false).
    public var creditEnforcementEnabled: Bool

    public init(creditEnforcementEnabled: Bool = false) {
        self.creditEnforcementEnabled = creditEnforcementEnabled
    }
}
