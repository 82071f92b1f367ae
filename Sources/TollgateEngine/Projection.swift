import TollgateBilling
import TollgateLog

/// Read-only folds of the log into state: for opening the engine and for queries (`balances`, `state`,
/// `settings`). Never writes a file.
public enum Projection {
    /// Where a point-in-time fold stops.
    public enum Bound: Sendable, Hashable {
        case end
        /// Fold records with seq ≤ this.
        case seq(Int64)
        /// Fold records with time ≤ this.
        case time(Timestamp)
    }

    public struct Folded: Sendable {
        public var state: State
        public var nextSeq: Int64
        /// The seq of the snapshot the fold started from; nil for a fold from the first record.
        public var snapshotSeq: Int64? = nil
        /// Snapshots skipped (damaged, another config, not matching the log), for the caller to show.
        public var warnings: [String] = []
    }

    /// Folds the log in `directory` up to `bound`. A missing directory is an empty log.
    ///
    /// With `useSnapshots`, the fold starts from the newest snapshot under `DIR/snapshots/` that is valid for this
    /// log, config and bound (``SnapshotStore/newestValid(billing:bound:warnings:)``), else from the first record.
    public static func load(
        directory: String, billing: BillingConfiguration, until bound: Bound = .end,
        useSnapshots: Bool = true, progress: ((Int64) -> Void)? = nil
    ) throws(EngineError) -> Folded {
        try load(
            directory: directory, billing: billing, until: bound, storage: PosixStorage.shared,
            useSnapshots: useSnapshots, progress: progress)
    }

    /// Folds the log read through `storage` (the simulator's disk; the public overload reads real files).
    ///
    /// On real files the records are read and decoded on a second thread (``DecodedRecords`` through a
    /// ``ReadAhead``), started before the snapshot is chosen at the seq after the newest candidate (the usual
    /// choice), so reading the tail overlaps decoding the snapshot; `decoded` is the newest snapshot already read
    /// and decoded by the caller (the engine decodes it while `Log.open` recovers the log). A simulated disk is read
    /// on this thread, in order, as before.
    package static func load(
        directory: String, billing: BillingConfiguration, until bound: Bound = .end, storage: any LogStorage,
        useSnapshots: Bool = false, decoded: consuming SnapshotStore.Candidate? = nil,
        progress: ((Int64) -> Void)? = nil
    ) throws(EngineError) -> Folded {
        var state = State(configuration: billing)
        var nextSeq: Int64 = 1
        var warnings: [String] = []
        var snapshotSeq: Int64?
        let realFiles = storage is PosixStorage
        var readAhead: ReadAhead<DecodedRecords.Chunk>?
        var readAheadFromSeq: Int64 = 0
        defer { readAhead?.stop() }
        if useSnapshots {
            let store = SnapshotStore(directory: directory)
            if realFiles, let newest = store.newestEntry(bound: bound) {
                readAheadFromSeq = newest.seq + 1
                readAhead = Self.readAhead(directory: directory, fromSeq: readAheadFromSeq, bound: bound)
            }
            if let found = store.newestValid(billing: billing, bound: bound, warnings: &warnings, decoded: &decoded) {
                state = found.state
                nextSeq = found.snapshot.seq + 1
                snapshotSeq = found.snapshot.seq
            }
        }
        if realFiles && readAheadFromSeq != nextSeq {
            // Another snapshot (or none) was chosen: read from the seq after it instead.
            readAhead?.stop()
            readAheadFromSeq = nextSeq
            readAhead = Self.readAhead(directory: directory, fromSeq: readAheadFromSeq, bound: bound)
        }
        if let readAhead {
            try foldReadAhead(&state, from: readAhead, directory: directory, nextSeq: &nextSeq, progress: progress)
            return Folded(state: state, nextSeq: nextSeq, snapshotSeq: snapshotSeq, warnings: warnings)
        }
        var reader: LogReader
        do {
            reader = try LogReader(directory: directory, fromSeq: UInt64(nextSeq), storage: storage)
        } catch {
            throw EngineError(.log, "cannot read the log in \(directory): \(error)")
        }
        while true {
            let next: LogRecord?
            do {
                next = try reader.next()
            } catch {
                throw EngineError(.log, "reading the log failed: \(error)")
            }
            guard let record = next else { break }
            let seq = Int64(record.seq)
            let time = Timestamp(millisecondsSinceEpoch: record.timeMs)
            if case .seq(let last) = bound, seq > last { break }
            if case .time(let last) = bound, time > last { break }
            guard seq == nextSeq else { throw notContiguous(seq, nextSeq) }
            switch LedgerRecord.decode(typeTag: record.type, body: record.body) {
            case .success(let body):
                fold(&state, body, seq: seq, time: time)
            case .failure(let error):
                throw EngineError(.undecodableRecord, "record \(seq) (type \(record.type)) cannot be decoded: \(error)")
            }
            nextSeq += 1
            if let progress, nextSeq & 0xFFFF == 0 { progress(nextSeq - 1) }
        }
        return Folded(state: state, nextSeq: nextSeq, snapshotSeq: snapshotSeq, warnings: warnings)
    }

    /// Records per chunk handed from the reading thread to the fold.
    static let readAheadChunkRecordCount = 4_096
    /// Chunks read ahead of the fold at most: 32 × 4,096 records, a few tens of MB of decoded records.
    static let readAheadChunkCountMax = 32

    /// The records with seq ≥ `fromSeq` up to `bound`, read and decoded on a second thread.
    private static func readAhead(directory: String, fromSeq: Int64, bound: Bound) -> ReadAhead<DecodedRecords.Chunk> {
        DecodedRecords.readAhead(name: "tollgate-prefetch", chunkCountMax: readAheadChunkCountMax) {
            DecodedRecords(
                directory: directory, storage: PosixStorage.shared, fromSeq: fromSeq, until: bound,
                chunkRecordCount: readAheadChunkRecordCount)
        }
    }

    /// The fold half of a read-ahead load: the same checks, errors and progress calls as the one-thread loop.
    private static func foldReadAhead(
        _ state: inout State, from readAhead: ReadAhead<DecodedRecords.Chunk>, directory: String,
        nextSeq: inout Int64, progress: ((Int64) -> Void)?
    ) throws(EngineError) {
        while true {
            switch readAhead.next() {
            case .records(let records):
                // By index, each body read in place from the chunk (a fold's records are all held whole): a copy
                // of each record retained and released its strings.
                for index in records.items.indices {
                    let seq = Int64(records.items[index].seq)
                    guard seq == nextSeq else { throw notContiguous(seq, nextSeq) }
                    guard case .decoded(let body) = records.items[index].body else {
                        preconditionFailure("a fold reads no compact debits")
                    }
                    switch records.bodies[body] {
                    case .success(let record):
                        fold(
                            &state, record, seq: seq,
                            time: Timestamp(millisecondsSinceEpoch: records.items[index].timeMs))
                    case .failure(let error):
                        let typeTag = records.items[index].typeTag
                        throw EngineError(
                            .undecodableRecord, "record \(seq) (type \(typeTag)) cannot be decoded: \(error)")
                    }
                    nextSeq += 1
                    if let progress, nextSeq & 0xFFFF == 0 { progress(nextSeq - 1) }
                }
            case .end(let outcome):
                guard let failure = outcome.failure else { return }
                if outcome.failedOpening {
                    throw EngineError(.log, "cannot read the log in \(directory): \(failure)")
                }
                throw EngineError(.log, "reading the log failed: \(failure)")
            case nil:
                preconditionFailure("the fold's read-ahead stopped before its end")
            }
        }
    }

    private static func notContiguous(_ seq: Int64, _ nextSeq: Int64) -> EngineError {
        EngineError(.log, "record seq \(seq) follows \(nextSeq - 1): the log is not contiguous")
    }
}
