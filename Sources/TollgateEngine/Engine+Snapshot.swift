import TollgateBilling
import TollgateLog

extension Engine {
    /// Writes a snapshot of the state after the last committed record, now. Only durable records are covered:
    /// anything staged but not committed is refused.
    @discardableResult
    public func takeSnapshot() throws(EngineError) -> Snapshot? {
        try commit()
        let snapshot = try SnapshotStore(directory: configuration.directory).take(
            state: state, keepCount: configuration.snapshotKeepCount)
        if let snapshot { noteSnapshot(seq: snapshot.seq) }
        return snapshot
    }

    /// The periodic snapshot after a commit: a failure to write it is a warning, never an engine failure (the log
    /// is the truth; the next interval tries again).
    func writeSnapshot() {
        let seq = nextSeq - 1
        noteSnapshot(seq: seq)
        do {
            try SnapshotStore(directory: configuration.directory).take(
                state: state, keepCount: configuration.snapshotKeepCount)
        } catch {
            configuration.warningHandler?("snapshot at seq \(seq) not written: \(error)")
        }
    }
}
