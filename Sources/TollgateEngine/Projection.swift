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
    package static func load(
        directory: String, billing: BillingConfiguration, until bound: Bound = .end, storage: any LogStorage,
        useSnapshots: Bool = false, progress: ((Int64) -> Void)? = nil
    ) throws(EngineError) -> Folded {
        var state = State(configuration: billing)
        var nextSeq: Int64 = 1
        var warnings: [String] = []
        var snapshotSeq: Int64?
        if useSnapshots,
            let found = SnapshotStore(directory: directory).newestValid(
                billing: billing, bound: bound, warnings: &warnings)
        {
            state = found.state
            nextSeq = found.snapshot.seq + 1
            snapshotSeq = found.snapshot.seq
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
            guard seq == nextSeq else {
                throw EngineError(.log, "record seq \(seq) follows \(nextSeq - 1): the log is not contiguous")
            }
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
}
