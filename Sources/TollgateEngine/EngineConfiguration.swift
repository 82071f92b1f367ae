import TollgateBilling
import TollgateLog

/// Everything an engine is opened with: where the log lives, how it is written, and the billing config default.
public struct EngineConfiguration: Sendable {
    public var directory: String
    public var log: LogConfiguration
    public var billing: BillingConfiguration
    /// Commands decided per durable append in `apply`; bounds memory and latency of one group commit.
    public var batchCommandCountMax: Int
    /// A snapshot of the state is written after the commit that takes the log this many records past the last
    /// snapshot (docs/snapshots.md); 0 turns periodic snapshots off.
    public var snapshotIntervalRecords: Int64
    /// Snapshots kept (the newest ones) after each write.
    public var snapshotKeepCount: Int
    /// Told about anything worth an operator's attention that is not an error: snapshots skipped at open, a
    /// snapshot that could not be written. Library code never prints.
    public var warningHandler: (@Sendable (String) -> Void)?

    public static let snapshotIntervalRecordsDefault: Int64 = 1_000_000

    public init(
        directory: String,
        log: LogConfiguration = LogConfiguration(),
        billing: BillingConfiguration = BillingConfiguration(),
        batchCommandCountMax: Int = 4096,
        snapshotIntervalRecords: Int64 = snapshotIntervalRecordsDefault,
        snapshotKeepCount: Int = SnapshotStore.keepCountDefault,
        warningHandler: (@Sendable (String) -> Void)? = nil
    ) {
        precondition(batchCommandCountMax > 0)
        precondition(snapshotIntervalRecords >= 0 && snapshotKeepCount >= 1)
        self.directory = directory
        self.log = log
        self.billing = billing
        self.batchCommandCountMax = batchCommandCountMax
        self.snapshotIntervalRecords = snapshotIntervalRecords
        self.snapshotKeepCount = snapshotKeepCount
        self.warningHandler = warningHandler
    }
}
