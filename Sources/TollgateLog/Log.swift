#if canImport(Glibc)
    import Glibc
#endif

/// The segmented, checksummed, hash-chained append-only log.
///
/// Thread-safe. `append` encodes under a lock, then the first appender that finds no write in progress becomes
/// the leader: it writes every pending append (rolling and sealing segments as needed) and, under
/// `.groupCommit`, issues one `fdatasync` for all of them; the others wait for its result (group commit).
/// One `append` call is one on-disk batch, so it is atomic: after a crash it is wholly present or wholly absent.
/// Call `close()` when done: under `.interval` durability a background thread keeps the log alive until then.
public final class Log: @unchecked Sendable {
    /// Logical end of the log: where the next record goes and which segment it joins.
    struct Tail: Equatable {
        var nextSeq: UInt64
        var chain: UInt64
        var lastTimeMs: Int64?
        var segmentBaseSeq: UInt64
        var segmentSizeBytes: UInt64
        var segmentRecordCount: UInt64
    }

    /// One append waiting for the leader.
    final class PendingAppend {
        enum State {
            case pending, done
            case failed(LogError)
        }
        let bytes: [UInt8]
        let startsSegment: Bool
        let tailAfter: Tail
        var state: State = .pending
        init(bytes: [UInt8], startsSegment: Bool, tailAfter: Tail) {
            self.bytes = bytes
            self.startsSegment = startsSegment
            self.tailAfter = tailAfter
        }
    }

    struct ActiveSegment {
        var file: FileID
        var baseSeq: UInt64
        /// Where the records end (the next batch goes here).
        var sizeBytes: UInt64
        /// The file's size: `sizeBytes` plus the preallocated zeros after the records (every byte in
        /// `sizeBytes..<fileSizeBytes` reads as zero).
        var fileSizeBytes: UInt64

        init(file: FileID, baseSeq: UInt64, sizeBytes: UInt64, fileSizeBytes: UInt64? = nil) {
            precondition(fileSizeBytes.map { $0 >= sizeBytes } ?? true, "the file ends before its records")
            self.file = file
            self.baseSeq = baseSeq
            self.sizeBytes = sizeBytes
            self.fileSizeBytes = fileSizeBytes ?? sizeBytes
        }
    }

    /// The last batch written to the active segment: the append's own encoded buffer, retained (not copied) so
    /// that a failed append can check it on the medium before cutting the file back (`confirmLastBatch`).
    struct WrittenBatch {
        var offset: UInt64
        var bytes: [UInt8]
    }

    /// What `confirmLastBatch` found.
    enum LastBatchCheck {
        /// It reads back as written (or there is none in this segment).
        case intact
        /// It read back wrong and was rewritten at its offset, synced and read back correctly.
        case repaired(offset: UInt64)
    }

    public let directory: String
    public let configuration: LogConfiguration
    let storage: any LogStorage
    private let lock = ConditionLock()
    private let lockFile: FileID

    // Under `lock`:
    private var logical: Tail
    private var durableTail: Tail
    private var pending: [PendingAppend] = []
    private var ioBusy = false
    private var failure: LogError?
    private var isClosed = false
    private var syncThreadRunning = false
    private var report: RecoveryReport

    // Owned by whoever set `ioBusy` (or by open/close):
    private var active: ActiveSegment?
    private var ioTail: Tail
    private var unsyncedBytes = false
    /// nil after open (open has just scanned the segment) and after a roll (the seal read the old segment back).
    private var lastBatch: WrittenBatch?

    init(
        directory: String, configuration: LogConfiguration, storage: any LogStorage, lockFile: FileID,
        active: ActiveSegment, tail: Tail, report: RecoveryReport
    ) {
        precondition(tail.segmentBaseSeq == active.baseSeq && tail.segmentSizeBytes == active.sizeBytes)
        self.directory = directory
        self.configuration = configuration
        self.storage = storage
        self.lockFile = lockFile
        self.active = active
        self.logical = tail
        self.durableTail = tail
        self.ioTail = tail
        self.report = report
        if case .interval(let milliseconds) = configuration.durability {
            startSyncThread(intervalMs: milliseconds)
        }
    }

    deinit {
        if !isClosed {
            if let active { storage.close(active.file) }
            storage.close(lockFile)
        }
    }

    /// Seq the next appended record gets (1 for an empty log).
    public var nextSeq: UInt64 { lock.withLock { logical.nextSeq } }
    /// Time of the last appended record, nil when the log is empty.
    public var lastTimeMs: Int64? { lock.withLock { logical.lastTimeMs } }
    /// Seq after the last acknowledged record.
    public var durableNextSeq: UInt64 { lock.withLock { durableTail.nextSeq } }
    /// Base seq of the segment holding the last acknowledged record (the raw active segment): every segment with
    /// a lower base seq is sealed on disk. Lets derived files that follow sealed segments (the engine's audit
    /// index) notice a seal without the log knowing about them.
    public var activeSegmentBaseSeq: UInt64 { lock.withLock { durableTail.segmentBaseSeq } }
    /// Where the acknowledged records end (segment, size, next seq, chain): with a single writer, the next append
    /// starts there or at the start of a new segment. Lets derived files point into the active segment.
    public var durableEnd: LogEnd {
        lock.withLock {
            LogEnd(
                segmentBaseSeq: durableTail.segmentBaseSeq, segmentSizeBytes: durableTail.segmentSizeBytes,
                nextSeq: durableTail.nextSeq, chain: durableTail.chain)
        }
    }
    public var recoveryReport: RecoveryReport { lock.withLock { report } }
    /// The error that put the log in the failed state (fail-stop after an fsync error), if any.
    public var failedState: LogError? { lock.withLock { failure } }

    /// Appends `records` as one atomic batch and returns the seq of the first. Returns only when the batch is
    /// durable under `configuration.durability`. Throws `.invalidArgument` (nothing appended) for an empty or
    /// oversized batch or a time before the log's last time; `.diskFull` when the write hit ENOSPC (nothing of
    /// the batch acknowledged, the log stays usable); `.failed` after an fsync error (fail-stop until reopened).
    @discardableResult
    public func append(_ records: [RecordInput]) throws(LogError) -> UInt64 {
        guard !records.isEmpty else { throw LogError(.invalidArgument, "append of an empty batch") }
        guard records.count <= LogLimits.batchRecordCountMax else {
            throw LogError(
                .invalidArgument,
                "batch of \(records.count) records exceeds batchRecordCountMax \(LogLimits.batchRecordCountMax)")
        }
        var batchSizeBytes = BatchHeader.sizeBytes
        var previousTimeMs = records[0].timeMs
        for record in records {
            guard record.body.count <= LogLimits.recordBodySizeBytesMax else {
                throw LogError(
                    .invalidArgument,
                    "record body of \(record.body.count) bytes exceeds recordBodySizeBytesMax \(LogLimits.recordBodySizeBytesMax)"
                )
            }
            guard record.timeMs >= previousTimeMs else {
                throw LogError(.invalidArgument, "record time \(record.timeMs) ms before previous \(previousTimeMs) ms")
            }
            guard record.timeMs - records[0].timeMs <= LogLimits.batchTimeSpanMillisecondsMax else {
                throw LogError(
                    .invalidArgument, "batch spans more than \(LogLimits.batchTimeSpanMillisecondsMax) ms")
            }
            previousTimeMs = record.timeMs
            batchSizeBytes += RecordHeader.sizeBytes + record.body.count
        }
        guard batchSizeBytes <= LogLimits.batchSizeBytesMax else {
            throw LogError(
                .invalidArgument,
                "batch of \(batchSizeBytes) bytes exceeds batchSizeBytesMax \(LogLimits.batchSizeBytesMax)")
        }

        lock.lock()
        defer { lock.unlock() }
        if isClosed { throw LogError(.closed, "append to a closed log") }
        if let failure { throw failure }
        if let lastTimeMs = logical.lastTimeMs, records[0].timeMs < lastTimeMs {
            throw LogError(
                .invalidArgument, "record time \(records[0].timeMs) ms before the log's last time \(lastTimeMs) ms")
        }
        let firstSeq = logical.nextSeq
        let startsSegment =
            logical.segmentRecordCount > 0
            && logical.segmentSizeBytes + UInt64(batchSizeBytes) > configuration.segmentSizeBytes
        if startsSegment {
            logical.segmentBaseSeq = firstSeq
            logical.segmentSizeBytes = UInt64(SegmentHeader.sizeBytes)
            logical.segmentRecordCount = 0
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(batchSizeBytes)
        let header = BatchCodec.encode(records, baseSeq: firstSeq, chainBefore: logical.chain, into: &bytes)
        assert(bytes.count == batchSizeBytes)
        logical.nextSeq = header.lastSeq + 1
        logical.chain = header.chainAfter
        logical.lastTimeMs = records[records.count - 1].timeMs
        logical.segmentSizeBytes += UInt64(batchSizeBytes)
        logical.segmentRecordCount += UInt64(records.count)
        let ticket = PendingAppend(bytes: bytes, startsSegment: startsSegment, tailAfter: logical)
        pending.append(ticket)
        while case .pending = ticket.state {
            if ioBusy { lock.wait() } else { lead() }
        }
        switch ticket.state {
        case .done: return firstSeq
        case .failed(let error): throw error
        case .pending: preconditionFailure()
        }
    }

    /// Called with `lock` held and no I/O in progress: writes (and syncs) everything pending, then publishes.
    private func lead() {
        precondition(!ioBusy && !pending.isEmpty)
        ioBusy = true
        let group = pending
        pending = []
        lock.unlock()

        var writtenCount = 0
        var writeError: LogError?
        var fatal: LogError?
        for ticket in group {
            do throws(LogError) {
                try write(ticket)
                writtenCount += 1
            } catch {
                if error.code == .failed { fatal = error } else { writeError = error }
                break
            }
        }
        if fatal == nil, writtenCount > 0, configuration.durability == .groupCommit, let active {
            do throws(Errno) {
                try storage.datasync(active.file)
                unsyncedBytes = false
            } catch {
                fatal = LogError(
                    .failed, "fdatasync failed; the log refuses appends until reopened", errno: error.rawValue,
                    file: SegmentName.raw(active.baseSeq))
            }
        }

        lock.lock()
        if let fatal {
            failure = fatal
            for ticket in group { ticket.state = .failed(fatal) }
            for ticket in pending { ticket.state = .failed(fatal) }
            pending = []
        } else {
            for ticket in group[0..<writtenCount] { ticket.state = .done }
            durableTail = ioTail
            if let writeError {
                for ticket in group[writtenCount...] { ticket.state = .failed(writeError) }
                // Later appends were encoded on top of the failed ones: they fail too, and the logical tail
                // goes back to what is on disk.
                for ticket in pending { ticket.state = .failed(writeError) }
                pending = []
                logical = ioTail
            }
        }
        // Invariants: acknowledged ≤ written ≤ encoded; with nothing queued, the encoded tail is what is on disk.
        assert(durableTail.nextSeq <= logical.nextSeq)
        assert(failure != nil || !pending.isEmpty || logical == ioTail)
        ioBusy = false
        lock.broadcast()
    }

    /// Writes one append (I/O owner only), rolling the segment first when the append starts a new one.
    /// Throws `.failed` for errors after which the state on disk is unknown, anything else after undoing.
    private func write(_ ticket: PendingAppend) throws(LogError) {
        if ticket.startsSegment, active != nil, ioTail.segmentRecordCount > 0 {
            try sealActive()
        }
        if active == nil { try createActive() }
        var segment = active!
        precondition(segment.baseSeq == ioTail.segmentBaseSeq)
        precondition(ticket.bytes.count >= BatchHeader.sizeBytes + RecordHeader.sizeBytes)
        assert(ticket.bytes.withUnsafeBytes { $0.getUInt64(at: 16) } == ioTail.nextSeq, "batch must start at the tail")
        precondition(ticket.tailAfter.nextSeq > ioTail.nextSeq)
        var zeroing = false
        do {
            let batchEndBytes = segment.sizeBytes + UInt64(ticket.bytes.count)
            if batchEndBytes > segment.fileSizeBytes, configuration.preallocationStepBytes > 0 {
                zeroing = true
                try preallocate(&segment, batchEndBytes: batchEndBytes)
                zeroing = false
            }
            try storage.write(segment.file, ticket.bytes, at: segment.sizeBytes)
        } catch {
            let name = SegmentName.raw(segment.baseSeq)
            // Undo a partial write so the next append starts on a batch boundary. The preallocated zeros go with
            // the cut; the next append writes them again.
            defer { active = segment }
            try cutToRecords(&segment, failure: "write failed and truncating it back failed")
            let what = zeroing ? "preallocating zeros for seq \(ioTail.nextSeq)" : "write of seq \(ioTail.nextSeq)"
            let logError = LogError.from(error, "\(what) failed; nothing appended", file: name)
            if logError.code == .diskFull { throw logError }
            throw LogError(.failed, logError.message, errno: error.rawValue, file: name, offset: segment.sizeBytes)
        }
        lastBatch = WrittenBatch(offset: segment.sizeBytes, bytes: ticket.bytes)
        segment.sizeBytes += UInt64(ticket.bytes.count)
        segment.fileSizeBytes = max(segment.fileSizeBytes, segment.sizeBytes)
        active = segment
        unsyncedBytes = true
        let tail = ticket.tailAfter
        precondition(tail.segmentBaseSeq == segment.baseSeq && tail.segmentSizeBytes == segment.sizeBytes)
        ioTail = tail
    }

    /// Fills the file with written zeros ahead of a batch that would end at `batchEndBytes` past the preallocated
    /// end, so that this batch and the next ones land in blocks that are allocated and written inside the file's
    /// size (I/O owner only). One bounded step: up to `preallocationStepBytes` past the batch's end, never past the
    /// segment size (unless the batch alone reaches past it), never within `preallocationGuardBytes` after the
    /// records (that gap stays a hole). A failure leaves the file for the caller to cut back.
    private func preallocate(_ segment: inout ActiveSegment, batchEndBytes: UInt64) throws(Errno) {
        let step = configuration.preallocationStepBytes
        precondition(step > 0 && batchEndBytes > segment.fileSizeBytes)
        let limitBytes = max(configuration.segmentSizeBytes, batchEndBytes)
        let startBytes = max(segment.fileSizeBytes, segment.sizeBytes + LogLimits.preallocationGuardBytes)
        let endBytes = min(max(batchEndBytes, startBytes) + step, limitBytes)
        guard startBytes < endBytes else { return }
        assert(startBytes >= segment.sizeBytes + LogLimits.preallocationGuardBytes, "zeros too close to the records")
        let zeros = Log.zeros
        var offset = startBytes
        var writeCount = 0
        while offset < endBytes {
            let count = Int(min(UInt64(zeros.count), endBytes - offset))
            try storage.write(segment.file, zeros[0..<count], at: offset)
            offset += UInt64(count)
            writeCount += 1
            precondition(writeCount <= Int(LogLimits.preallocationStepBytesMax) / zeros.count + 8, "zero-fill loop")
        }
        segment.fileSizeBytes = endBytes
    }

    /// The zeros a preallocation writes (shared, never written to).
    private static let zeros = [UInt8](repeating: 0, count: LogLimits.preallocationWriteSizeBytesMax)

    /// Cuts the preallocated zeros off the active segment, so that what is sealed or left behind by a clean close
    /// is the same bytes as without preallocation (I/O owner only; the caller syncs). The last batch is checked
    /// first, as before a failed append's cut-back (`confirmLastBatch`): a misdirected write of it leaves its own
    /// range reading as zeros and the stray copy in the zeros after it, and the cut alone would leave zeros that
    /// pass for the clean end of the records. Read back wrong, it is rewritten from memory, the cut is made, and
    /// the log fail-stops.
    private func dropPreallocation(_ segment: inout ActiveSegment) throws(LogError) {
        guard segment.fileSizeBytes > segment.sizeBytes else { return }
        defer { unsyncedBytes = true }
        try cutToRecords(&segment, failure: "cutting the preallocated zeros off failed")
    }

    /// Truncates the active segment to the end of its records (I/O owner only). Cutting is only safe if what
    /// precedes the cut is what was written: a misdirected write of the last batch leaves its range reading as
    /// zeros, and the cut would remove the stray copy that makes the next open report corruption; the zeros would
    /// pass for a torn tail or the clean end, silently. So the last batch is confirmed first (`confirmLastBatch`);
    /// read back wrong, it is rewritten from memory, the cut is made, and the log fail-stops.
    private func cutToRecords(_ segment: inout ActiveSegment, failure: String) throws(LogError) {
        let name = SegmentName.raw(segment.baseSeq)
        let check = try confirmLastBatch(in: segment)
        do throws(Errno) { try storage.truncate(segment.file, to: segment.sizeBytes) } catch {
            throw LogError(.failed, failure, errno: error.rawValue, file: name)
        }
        segment.fileSizeBytes = segment.sizeBytes
        if case .repaired(let offset) = check {
            throw LogError(
                .failed,
                "the last batch read back wrong (a misdirected or lost write) and was rewritten from memory; "
                    + "the log refuses appends until reopened (open verifies the segment)", file: name, offset: offset)
        }
    }

    /// Reads the last batch written to `segment` back (rare path: only before cutting the file after a failed
    /// append) and, when it does not match what was written, rewrites it at its offset from memory, syncs and
    /// reads it back again. Throws `.failed` without touching the file further when that does not restore it:
    /// the segment must keep its evidence (the next open then reports corruption instead of a torn tail).
    /// The file is synced and the batch's cached pages dropped before each read, so that on a real disk the
    /// read shows what the device holds (a write misdirected below the page cache is invisible in the cache).
    private func confirmLastBatch(in segment: ActiveSegment) throws(LogError) -> LastBatchCheck {
        guard let batch = lastBatch else { return .intact }
        let name = SegmentName.raw(segment.baseSeq)
        precondition(batch.offset + UInt64(batch.bytes.count) == segment.sizeBytes, "last batch must end the segment")
        var readBack = [UInt8](repeating: 0, count: batch.bytes.count)
        let restored: Bool
        do throws(Errno) {
            try storage.datasync(segment.file)
            storage.dropCachedPages(segment.file, offset: batch.offset, count: batch.bytes.count)
            let count = try storage.read(segment.file, into: &readBack, count: readBack.count, at: batch.offset)
            if count == batch.bytes.count, readBack == batch.bytes { return .intact }
            try storage.write(segment.file, batch.bytes, at: batch.offset)
            try storage.datasync(segment.file)
            storage.dropCachedPages(segment.file, offset: batch.offset, count: batch.bytes.count)
            let again = try storage.read(segment.file, into: &readBack, count: readBack.count, at: batch.offset)
            restored = again == batch.bytes.count && readBack == batch.bytes
        } catch {
            throw LogError(
                .failed, "checking or rewriting the last batch failed; the segment is left as is",
                errno: error.rawValue, file: name, offset: batch.offset)
        }
        guard restored else {
            throw LogError(
                .failed, "the last batch reads back wrong even after rewriting it; the segment is left as is",
                file: name, offset: batch.offset)
        }
        return .repaired(offset: batch.offset)
    }

    /// Seals the full active segment (I/O owner only). On ENOSPC the raw segment stays active.
    private func sealActive() throws(LogError) {
        var segment = active!
        do throws(LogError) { try dropPreallocation(&segment) } catch {
            active = segment
            throw error
        }
        active = segment
        if unsyncedBytes, configuration.durability != .none {
            // Sealing copies through the page cache; make the raw file durable first so a failed seal loses nothing.
            do throws(Errno) { try storage.datasync(segment.file) } catch {
                throw LogError(
                    .failed, "fdatasync before sealing failed", errno: error.rawValue,
                    file: SegmentName.raw(segment.baseSeq))
            }
            unsyncedBytes = false
        }
        let footer = try Sealer.seal(
            storage: storage, directory: directory, baseSeq: segment.baseSeq, expectedNextSeq: ioTail.nextSeq)
        precondition(footer.lastSeq + 1 == ioTail.nextSeq && footer.lastChain == ioTail.chain)
        storage.close(segment.file)
        active = nil
        lastBatch = nil
        unsyncedBytes = false
        ioTail.segmentBaseSeq = ioTail.nextSeq
        ioTail.segmentSizeBytes = UInt64(SegmentHeader.sizeBytes)
        ioTail.segmentRecordCount = 0
    }

    /// Creates the next raw segment with its header, durable before any record goes in (I/O owner only).
    private func createActive() throws(LogError) {
        precondition(active == nil)
        let baseSeq = ioTail.nextSeq
        active = try Log.createSegment(
            storage: storage, directory: directory, baseSeq: baseSeq, previousChain: ioTail.chain)
        lastBatch = nil
        ioTail.segmentBaseSeq = baseSeq
        ioTail.segmentSizeBytes = UInt64(SegmentHeader.sizeBytes)
        ioTail.segmentRecordCount = 0
    }

    static func createSegment(storage: any LogStorage, directory: String, baseSeq: UInt64, previousChain: UInt64)
        throws(LogError) -> ActiveSegment
    {
        let name = SegmentName.raw(baseSeq)
        let path = directory + "/" + name
        let file: FileID
        do { file = try storage.open(path, .createExclusive) } catch {
            throw LogError.from(error, "create segment", file: name)
        }
        var bytes: [UInt8] = []
        SegmentHeader(baseSeq: baseSeq, previousChain: previousChain).encode(into: &bytes)
        do {
            try storage.write(file, bytes, at: 0)
        } catch {
            storage.close(file)
            try? storage.remove(path)
            throw LogError.from(error, "write segment header", file: name)
        }
        do {
            try storage.sync(file)
            try storage.syncDirectory(directory)
        } catch {
            storage.close(file)
            throw LogError(.failed, "fsync of new segment failed", errno: error.rawValue, file: name)
        }
        return ActiveSegment(file: file, baseSeq: baseSeq, sizeBytes: UInt64(SegmentHeader.sizeBytes))
    }

    /// Waits for pending appends, syncs (unless failed) and closes. Further appends throw `.closed`.
    public func close() throws(LogError) {
        lock.lock()
        while ioBusy || !pending.isEmpty { lock.wait() }
        if isClosed {
            lock.unlock()
            return
        }
        isClosed = true
        ioBusy = true
        lock.broadcast()
        while syncThreadRunning { lock.wait() }
        let failed = failure
        lock.unlock()
        var result: LogError?
        if var active {
            if failed == nil {
                do throws(LogError) { try dropPreallocation(&active) } catch { result = error }
            }
            if result == nil, failed == nil, unsyncedBytes {
                do throws(Errno) { try storage.datasync(active.file) } catch {
                    result = LogError(
                        .failed, "fdatasync at close failed", errno: error.rawValue,
                        file: SegmentName.raw(active.baseSeq))
                }
            }
            storage.close(active.file)
            self.active = nil
        }
        storage.close(lockFile)
        lock.withLock { ioBusy = false }
        if let result { throw result }
    }

    // MARK: interval durability

    private func startSyncThread(intervalMs: Int64) {
        syncThreadRunning = true
        let context = Unmanaged.passRetained(SyncThreadContext(log: self, intervalMs: intervalMs)).toOpaque()
        var thread = pthread_t()
        let result = pthread_create(
            &thread, nil,
            { raw in
                let context = Unmanaged<SyncThreadContext>.fromOpaque(raw!).takeRetainedValue()
                context.log?.syncLoop(intervalMs: context.intervalMs)
                return nil
            }, context)
        precondition(result == 0, "pthread_create failed")
        pthread_detach(thread)
    }

    private func syncLoop(intervalMs: Int64) {
        lock.lock()
        defer {
            syncThreadRunning = false
            lock.broadcast()
            lock.unlock()
        }
        while !isClosed {
            lock.wait(milliseconds: intervalMs)
            if isClosed || failure != nil { return }
            if ioBusy { continue }
            ioBusy = true
            lock.unlock()
            var syncError: LogError?
            if unsyncedBytes, let active {
                do throws(Errno) {
                    try storage.datasync(active.file)
                    unsyncedBytes = false
                } catch {
                    syncError = LogError(
                        .failed, "interval fdatasync failed", errno: error.rawValue,
                        file: SegmentName.raw(active.baseSeq))
                }
            }
            lock.lock()
            if let syncError { failure = syncError }
            ioBusy = false
            lock.broadcast()
        }
    }
}

private final class SyncThreadContext {
    weak var log: Log?
    let intervalMs: Int64
    init(log: Log, intervalMs: Int64) {
        self.log = log
        self.intervalMs = intervalMs
    }
}
