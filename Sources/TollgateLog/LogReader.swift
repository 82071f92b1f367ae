/// Where a raw segment ends in a partial batch (a crash mid-append): reported by readers and `verifyLog`,
/// truncated by `Log.open`.
public struct TornTail: Sendable, Hashable {
    public var file: String
    public var offset: UInt64
    public var sizeBytes: UInt64
    /// The seq the partial batch would have started with.
    public var seq: UInt64
    public var reason: String
}

/// Read-only iteration over the log from any seq, across sealed and raw segments, in bounded memory (one read
/// window or LZ4 block at a time). Never modifies files: a torn tail ends the iteration and is reported in
/// `tornTail`. Every record returned has passed its checksum; batches are checked whole (header, checksums,
/// times, hash chain) before any of their records is returned, and each segment must continue the previous one.
public struct LogReader {
    let storage: any LogStorage
    let directory: String
    /// The listing read at open (its leftovers are reported by ``checkingRest()``).
    let listing: SegmentListing
    private let segments: [SegmentListing.Entry]
    private(set) var position = 0
    private(set) var scanner: SegmentScanner?
    /// The segments read whole from seq 1 on, as `verifyLog` would check them (``checkingRest()``).
    private(set) var verified: VerifiedPrefix
    /// The last `withEach` was stopped by its body (not by the end of the log or an error): `scanner` is then
    /// positioned cleanly inside its segment.
    private(set) var stoppedByBody = false
    private var fromSeq: UInt64
    private var expectedNextSeq: UInt64?
    private var expectedChain: UInt64?
    /// Set when the iteration ended at a partial batch of the last raw segment.
    public private(set) var tornTail: TornTail?
    /// The thread checking sealed blocks ahead (``init(directory:fromSeq:storage:prefetchingSealedBlocks:)``), or
    /// nil; stopped and joined when the last copy of this reader is released.
    private(set) var prefetchRunner: SealedPrefetch.Runner?

    public init(directory: String) throws(LogError) {
        try self.init(directory: directory, fromSeq: 1)
    }

    /// Starts at `fromSeq` (the first record returned has that seq, or a later one if it does not exist).
    public init(directory: String, fromSeq: UInt64) throws(LogError) {
        try self.init(directory: directory, fromSeq: fromSeq, storage: PosixStorage.shared)
    }

    /// `prefetchingSealedBlocks`: a thread of its own reads, checksums, decompresses and checks the sealed
    /// segments' blocks ahead of this reader, in a bounded ring of recycled buffers (``SealedPrefetch``): the same
    /// records, checks, errors and final position, with the scanning work off the reading thread. For a reader
    /// that reads on (a verified replay); `storage` must be safe to read from two threads at once. The thread
    /// starts here and is stopped and joined when the reader is released (or its work is done).
    package init(
        directory: String, fromSeq: UInt64, storage: any LogStorage, prefetchingSealedBlocks: Bool = false
    ) throws(LogError) {
        self.storage = storage
        self.directory = directory
        self.fromSeq = max(1, fromSeq)
        listing = try SegmentListing.list(storage: storage, directory: directory)
        segments = listing.segments
        // Start in the last segment whose base is ≤ fromSeq.
        var start = 0
        for (i, entry) in segments.enumerated() where entry.baseSeq <= self.fromSeq { start = i }
        position = start
        if start == 0, let first = segments.first, first.baseSeq == 1 {
            expectedNextSeq = 1
            expectedChain = Chain.genesis
        }
        verified = VerifiedPrefix(isOpen: expectedNextSeq != nil && self.fromSeq == 1)
        if prefetchingSealedBlocks {
            // From the first segment read from its start (a seek into the first one is made by this reader).
            let first = segments.indices.contains(start) && self.fromSeq > segments[start].baseSeq ? start + 1 : start
            let sealed = segments[min(first, segments.count)...].filter(\.isSealed)
            if !sealed.isEmpty {
                prefetchRunner = SealedPrefetch.Runner(storage: storage, directory: directory, entries: Array(sealed))
            }
        }
    }

    /// Stops the thread prefetching sealed blocks, if any, and waits for it (a released reader does this itself).
    /// Reading on afterwards is still correct: the blocks not prefetched are loaded by the reader.
    package mutating func stopPrefetching() {
        prefetchRunner = nil
    }

    /// Starts at a batch of the raw (active) segment named by a derived file (``BatchPosition``): only that
    /// segment's file is opened and read from that byte on. Nothing in `position` is trusted: the batch there must
    /// start at `position.baseSeq` and continue the chain from `position.chainBefore` (a stale or forged position
    /// throws `.corruptRecord`; one outside the file, or naming a segment that is not the raw one, throws
    /// `.invalidArgument`). Everything after it is checked as in any read.
    public init(directory: String, at position: BatchPosition) throws(LogError) {
        try self.init(directory: directory, at: position, storage: PosixStorage.shared)
    }

    package init(directory: String, at batch: BatchPosition, storage: any LogStorage) throws(LogError) {
        self.storage = storage
        self.directory = directory
        fromSeq = max(1, batch.baseSeq)
        listing = try SegmentListing.list(storage: storage, directory: directory)
        segments = listing.segments
        verified = VerifiedPrefix(isOpen: false)
        guard let index = segments.firstIndex(where: { $0.baseSeq == batch.segmentBaseSeq }), !segments[index].isSealed
        else {
            throw LogError(
                .invalidArgument, "no raw segment starts at seq \(batch.segmentBaseSeq)", seq: batch.segmentBaseSeq)
        }
        let opened = try SegmentScanner(
            storage: storage, directory: directory, name: segments[index].name,
            readWindowSizeBytes: SegmentScanner.positionedReadWindowSizeBytes)
        try opened.position(at: batch)
        position = index
        scanner = opened
    }

    /// The position of the batch holding the record last returned (nil in a sealed segment or before the first
    /// record): what a derived file stores to come back to that record with ``init(directory:at:)``.
    public var currentBatchPosition: BatchPosition? { scanner?.currentBatchPosition }

    /// The next record, or nil at the end of the log (check `tornTail`).
    public mutating func next() throws(LogError) -> LogRecord? {
        var record: LogRecord?
        _ = try withNext {
            record = $0.record
            return true
        }
        return record
    }

    /// Hands the next record to `body` borrowed — its body a view of the reader's block, not an array of its
    /// own — and returns `body`'s answer (the caller's meaning: a replay answers "within the bound"); nil at the end
    /// of the log (check `tornTail`). The same records, checks and errors as ``next()``; the view must not be kept
    /// past `body` (a verified replay decodes each body in it). A `Bool`, not a generic result: across modules a
    /// generic result cost a runtime metadata lookup per record.
    public mutating func withNext(_ body: (LogRecordView) -> Bool) throws(LogError) -> Bool? {
        var answer = false
        let stopped = try withEach {
            answer = body($0)
            return false
        }
        return stopped ? answer : nil
    }

    /// Hands the records from here on to `body`, borrowed as in ``withNext(_:)``, until `body` answers false (that
    /// record counts as read: the next call starts after it) or the log ends. Returns true when `body` stopped,
    /// false at the end of the log (check `tornTail`). The same records, checks and errors as ``next()``; a scan
    /// pays the segment and batch bookkeeping once per batch instead of once per record.
    public mutating func withEach(_ body: (LogRecordView) -> Bool) throws(LogError) -> Bool {
        try scanSegments { scanner throws(LogError) in try scanner.withEachRecord(body) }
    }

    /// ``withEach(_:)`` a batch at a time: `body` gets the rest of each batch (``LogRecordBatch``, whose records it
    /// iterates in its own loop: no call per record) and answers how many of them it took and whether it stops
    /// there — all of them unless it stops. The same records, checks and errors, and the same position after a
    /// stop (the next call starts after the last record taken). A replay's reader takes its records this way.
    public mutating func withEachBatch(
        _ body: (LogRecordBatch) -> LogRecordBatch.Progress
    ) throws(LogError) -> Bool {
        try scanSegments { scanner throws(LogError) in try scanner.withEachBatch(body) }
    }

    /// The walk over the segments behind ``withEach(_:)`` and ``withEachBatch(_:)``: `read` hands the current
    /// segment's records to the caller and answers true when the caller stopped.
    private mutating func scanSegments(
        _ read: (SegmentScanner) throws(LogError) -> Bool
    ) throws(LogError) -> Bool {
        stoppedByBody = false
        while true {
            if scanner == nil {
                guard position < segments.count else { return false }
                let entry = segments[position]
                let opened = try SegmentScanner.open(
                    storage: storage, directory: directory, entry: entry, prefetch: prefetchRunner?.prefetch)
                if let header = opened.header, let expectedNextSeq, let expectedChain {
                    guard header.baseSeq == expectedNextSeq, header.previousChain == expectedChain else {
                        throw LogError(
                            .corruptRecord, "\(entry.name) does not continue the previous segment", file: entry.name,
                            offset: 0, seq: expectedNextSeq)
                    }
                }
                if fromSeq > entry.baseSeq { try opened.seek(to: fromSeq) }
                scanner = opened
            }
            let current = scanner!
            if try read(current) {
                stoppedByBody = true
                return true
            }
            verified.add(
                current, entry: segments[position], index: position, isLast: position == segments.count - 1)
            switch current.end {
            case .torn(let offset, let sizeBytes, let reason):
                guard position == segments.count - 1 else {
                    throw LogError(
                        .corruptRecord, "\(current.name) ends in a partial batch but is not the last segment",
                        file: current.name, offset: offset, seq: current.nextSeq)
                }
                tornTail = TornTail(
                    file: current.name, offset: offset, sizeBytes: sizeBytes, seq: current.nextSeq, reason: reason)
                position += 1
                scanner = nil
                return false
            case .clean, nil:
                expectedNextSeq = current.nextSeq
                expectedChain = current.chain
                position += 1
                scanner = nil
            }
        }
    }
}
