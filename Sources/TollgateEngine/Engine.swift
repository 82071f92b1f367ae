import TollgateBilling
import TollgateLog

/// The single writer: decides commands one after another against the in-memory state, appends their records in
/// batches (one durable append per batch, group commit), and hands results back only once they are durable.
///
/// A debit flows: line → `CommandParser` → `decide(state)` → records → `Log.append` (durable) → result.
/// State is folded as each decision is made so the next command in the same batch sees it; if the append then
/// fails, the engine is failed (fail-stop) and refuses all further work: the in-memory state is ahead of the log
/// and only a reopen (which folds the log again) is trustworthy.
public final class Engine {
    public let configuration: EngineConfiguration
    public private(set) var state: State
    /// The seq the next record will get.
    public private(set) var nextSeq: Int64
    let log: Log
    private let clock: Clock
    var failure: EngineError?
    var pendingRecords: [RecordInput] = []
    /// The committer thread, started by the first ``commitAsync()`` (``Engine+Pipeline``); nil: commits are
    /// synchronous on the caller's thread.
    var pipeline: CommitPipeline?
    /// Most billing record bodies fit; larger ones grow the buffer once.
    static let recordBodySizeBytesTypical = 32
    /// Upper bound of the log's framing per record (its record header is 13 bytes; batch headers are amortized).
    static let recordFramingSizeBytesBound = 64
    /// Upper bound of one billing record (module_rules ≤ 16 KiB plus plan fields), used before encoding it.
    static let recordSizeBytesBound = 64 << 10
    /// Staged bytes that trigger an early commit: half the log's batch bound, so one more record always fits.
    static let pendingSizeBytesMax = LogLimits.batchSizeBytesMax / 2
    var pendingSizeBytes = 0
    /// The seq of the newest snapshot this engine opened from or wrote (0: none).
    public internal(set) var lastSnapshotSeq: Int64 = 0
    /// Snapshots skipped while opening (also passed to the configuration's warning handler).
    public private(set) var openWarnings: [String] = []
    /// Whether derived files (snapshots, audit index) live beside the log: real files only, not a simulated disk.
    let writesDerivedFiles: Bool
    /// The log's active segment base seq when the audit index was last brought up to date (``Engine+AuditIndex``).
    var auditIndexedActiveBaseSeq: UInt64 = 0
    /// The active segment's audit sidecar (``Engine+ActiveAuditIndex``); nil while that segment has none.
    var activeAudit: ActiveAuditWriter?
    /// Where the log ended after the last commit (nil: the engine keeps no sidecar, e.g. on a simulated disk).
    var activeAuditEnd: LogEnd?
    /// Initiator records staged since the last commit: seq, time, initiator.
    var activeAuditStaged: [StagedAuditPosting] = []
    /// With pipelined commits: the initiator records of each batch handed to the committer and not yet posted to
    /// the sidecar, oldest first, by the seq after the batch (its ticket).
    var activeAuditSubmitted: [(endSeq: Int64, postings: [StagedAuditPosting])] = []

    /// Opens (or creates) the log in the configured directory and folds every record in it.
    public convenience init(configuration: EngineConfiguration, clock: Clock = .system) throws(EngineError) {
        try self.init(configuration: configuration, clock: clock, storage: PosixStorage.shared)
    }

    /// Opens the log through `storage` (the simulator's in-memory disk; production passes real files).
    package init(configuration: EngineConfiguration, clock: Clock, storage: any LogStorage) throws(EngineError) {
        self.configuration = configuration
        self.clock = clock
        writesDerivedFiles = storage is PosixStorage
        // The newest snapshot is read and decoded on a second thread while `Log.open` scans the active segment
        // (neither needs the other); every check against the log is still made after the log is open.
        let newestSnapshot = writesDerivedFiles ? Self.decodeNewestSnapshot(configuration) : nil
        do {
            log = try Log.open(directory: configuration.directory, configuration: configuration.log, storage: storage)
        } catch {
            _ = newestSnapshot?.take()
            throw EngineError(.log, "cannot open the log in \(configuration.directory): \(error)")
        }
        // Snapshots are real files; a simulated disk replays from the first record.
        let folded = try Projection.load(
            directory: configuration.directory, billing: configuration.billing, storage: storage,
            useSnapshots: storage is PosixStorage, decoded: newestSnapshot?.take())
        state = folded.state
        nextSeq = folded.nextSeq
        lastSnapshotSeq = folded.snapshotSeq ?? 0
        openWarnings = folded.warnings
        for warning in folded.warnings { configuration.warningHandler?(warning) }
        guard UInt64(nextSeq) == log.nextSeq else {
            throw EngineError(
                .log, "the log reports next seq \(log.nextSeq) but folding it reached \(nextSeq)")
        }
        pendingRecords.reserveCapacity(configuration.batchCommandCountMax)
        indexSealedSegments(activeBaseSeq: log.activeSegmentBaseSeq)
        resumeActiveAudit(end: log.durableEnd)
    }

    private static func decodeNewestSnapshot(_ configuration: EngineConfiguration)
        -> BackgroundWork<SnapshotStore.Candidate?>
    {
        let directory = configuration.directory
        let billing = configuration.billing
        return BackgroundWork(name: "tollgate-snapshot") {
            SnapshotStore(directory: directory).decodeNewest(billing: billing)
        }
    }

    /// The decision time of a command: its `at` (or the clock) clamped so record time never decreases.
    func decisionTime(for command: Command) -> Timestamp {
        let requested = command.at ?? clock.now()
        guard let last = state.lastRecordTime else { return requested }
        return max(requested, last)
    }

    /// Decides one command and folds its records; they become durable at the next `commit()`.
    /// Returns the decision, whose result must not be shown to anyone before `commit()` returns.
    public func stage(_ command: Command) throws(EngineError) -> Decision {
        if let failure { throw failure }
        let time = decisionTime(for: command)
        let decision = Self.decide(command, borrowing: &state, seq: nextSeq, time: time)
        // Keep one append within the log's batch bounds (record count, bytes, time span): commit what is staged
        // first if this decision could overflow them (results of earlier commands are then durable sooner, which is always allowed).
        if let first = pendingRecords.first,
            pendingRecords.count + decision.records.count > LogLimits.batchRecordCountMax
                || pendingSizeBytes + decision.records.count * Self.recordSizeBytesBound > Self.pendingSizeBytesMax
                || time.millisecondsSinceEpoch - first.timeMs > LogLimits.batchTimeSpanMillisecondsMax
        {
            try commitStaged()
        }
        for record in decision.records {
            fold(&state, record, seq: nextSeq, time: time)
            noteActiveAudit(record, seq: nextSeq, time: time)
            var body: [UInt8] = []
            body.reserveCapacity(Self.recordBodySizeBytesTypical)
            record.encodeBody(into: &body)
            pendingSizeBytes += body.count + Self.recordFramingSizeBytesBound
            pendingRecords.append(RecordInput(timeMs: time.millisecondsSinceEpoch, type: record.typeTag, body: body))
            nextSeq += 1
        }
        return decision
    }

    /// Passes the state through `inout`: handing the stored property to `decide` directly copied the whole
    /// `State` (a retain and release per field) for every command.
    private static func decide(_ command: Command, borrowing state: inout State, seq: Int64, time: Timestamp)
        -> Decision
    {
        TollgateBilling.decide(command, in: state, seq: seq, time: time)
    }

    /// `stage(_:)`, answering with the result line as a value.
    public func decideAndStage(_ command: Command) throws(EngineError) -> JSONValue {
        try stage(command).result
    }

    /// Makes every staged record durable (one append, one group commit). On failure the engine is failed.
    public func commit() throws(EngineError) {
        if let failure { throw failure }
        if pipeline != nil {
            try waitDurable(try commitAsync())
            return
        }
        guard !pendingRecords.isEmpty else { return }
        do {
            let firstSeq = try log.append(pendingRecords)
            assert(Int64(firstSeq) + Int64(pendingRecords.count) == nextSeq, "log and engine seqs diverged")
        } catch {
            let failed = EngineError(.failed, "append of \(pendingRecords.count) records failed: \(error)")
            failure = failed
            pendingRecords.removeAll()
            pendingSizeBytes = 0
            activeAuditStaged.removeAll()
            throw failed
        }
        pendingRecords.removeAll(keepingCapacity: true)
        pendingSizeBytes = 0
        if activeAuditEnd != nil { recordActiveAudit(activeAuditStaged, end: log.durableEnd) }
        activeAuditStaged.removeAll(keepingCapacity: true)
        afterDurable()
        if snapshotIsDue { writeSnapshot() }
    }

    /// Whether the periodic snapshot is due once everything staged so far is durable.
    var snapshotIsDue: Bool {
        let interval = configuration.snapshotIntervalRecords
        return interval > 0 && nextSeq - 1 - lastSnapshotSeq >= interval
    }

    /// Derived files that follow the durable log: the audit index of a segment the log sealed.
    func afterDurable() {
        if let pipeline, activeAuditEnd != nil {
            for (endSeq, end) in pipeline.takeAppendedEnds() { recordPipelinedActiveAudit(endSeq: endSeq, end: end) }
        }
        if log.activeSegmentBaseSeq != auditIndexedActiveBaseSeq {
            indexSealedSegments(activeBaseSeq: log.activeSegmentBaseSeq)
        }
    }

    /// Parses, decides and durably appends a batch of input lines, returning one result per line, in order.
    /// This is the path of `apply` and of the HTTP service: nothing is returned before it is durable.
    public func apply<Line: Collection<UInt8>>(lines: some Sequence<Line>) throws(EngineError) -> [JSONValue] {
        var results: [JSONValue] = []
        for line in lines {
            switch CommandParser.parse(line) {
            case .failure(let invalid):
                results.append(invalid.result)
            case .success(let command):
                results.append(try decideAndStage(command))
            }
        }
        try commit()
        return results
    }

    /// Decides and durably appends already parsed commands.
    public func apply(commands: [Command]) throws(EngineError) -> [JSONValue] {
        var results: [JSONValue] = []
        results.reserveCapacity(commands.count)
        for command in commands {
            results.append(try decideAndStage(command))
        }
        try commit()
        return results
    }

    func noteSnapshot(seq: Int64) { lastSnapshotSeq = seq }

    deinit {
        // The committer thread holds the pipeline, not the engine: end it with the engine.
        pipeline?.stop()
    }

    /// Flushes what is staged and closes the log.
    public func close() throws(EngineError) {
        defer { pipeline?.stop() }
        if failure == nil { try commit() }
        pipeline?.stop()
        finishActiveAudit()
        do {
            try log.close()
        } catch {
            throw EngineError(.log, "closing the log failed: \(error)")
        }
    }
}
