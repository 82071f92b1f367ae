#if canImport(Glibc)
    import Glibc
#endif
import TollgateBilling
import TollgateLog

/// `tollgate rebuild`: discards every derived file of a log directory (snapshots, the audit index) and makes them
/// again from the log alone — a full replay from the first record, a fresh snapshot of its end, and the audit
/// index of every sealed segment. Never writes a file of the log.
public enum Rebuild {
    public struct Report: Sendable {
        /// Derived files deleted, as `snapshots/NAME` or `index/NAME`.
        public var removed: [String]
        /// Records folded by the full replay.
        public var recordCount: Int64
        /// The snapshot written (nil for an empty log).
        public var snapshotName: String?
        /// The audit index files built.
        public var indexLines: [AuditIndexStore.RefreshLine]

        public var json: JSONValue {
            .object([
                ("ok", .bool(true)), ("records", .int(recordCount)),
                ("removed", .array(removed.map(JSONValue.string))),
                ("snapshot", snapshotName.map(JSONValue.string) ?? .null),
                ("index", .array(indexLines.map(\.json))),
            ])
        }
    }

    public static func run(
        directory: String, billing: BillingConfiguration, keepCount: Int = SnapshotStore.keepCountDefault,
        progress: ((Int64) -> Void)? = nil
    ) throws(EngineError) -> Report {
        let audit = AuditIndexStore(directory: directory)
        _ = try audit.segments()  // a missing directory is an error before anything is deleted
        let snapshots = SnapshotStore(directory: directory)
        var removed = try snapshots.removeAll().map { SnapshotStore.directoryName + "/" + $0 }
        if let names = try? SnapshotStore.names(in: audit.indexDirectory) {
            for name in names.sorted() {
                guard unlinkFile(audit.indexDirectory + "/" + name) else {
                    throw EngineError(.log, "cannot delete \(AuditIndex.directoryName)/\(name)")
                }
                removed.append(AuditIndex.directoryName + "/" + name)
            }
        }
        let folded = try Projection.load(
            directory: directory, billing: billing, useSnapshots: false, progress: progress)
        let snapshot = try snapshots.take(state: folded.state, keepCount: keepCount)
        let indexLines = try audit.refresh()
        return Report(
            removed: removed, recordCount: folded.nextSeq - 1,
            snapshotName: snapshot.map { SnapshotStore.fileName(seq: $0.seq) }, indexLines: indexLines)
    }
}

private func unlinkFile(_ path: String) -> Bool { unlink(path) == 0 || errno == ENOENT }
