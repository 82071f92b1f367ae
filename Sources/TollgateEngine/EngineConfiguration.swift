import TollgateBilling
import TollgateLog

/// Everything an engine is opened with: where the log lives, how it is written, and the billing config default.
public struct EngineConfiguration: Sendable {
    public var directory: String
    public var log: LogConfiguration
    public var billing: BillingConfiguration
    /// Commands decided per durable append in `apply`; bounds memory and latency of one group commit.
    public var batchCommandCountMax: Int

    public init(
        directory: String,
        log: LogConfiguration = LogConfiguration(),
        billing: BillingConfiguration = BillingConfiguration(),
        batchCommandCountMax: Int = 4096
    ) {
        precondition(batchCommandCountMax > 0)
        self.directory = directory
        self.log = log
        self.billing = billing
        self.batchCommandCountMax = batchCommandCountMax
    }
}
