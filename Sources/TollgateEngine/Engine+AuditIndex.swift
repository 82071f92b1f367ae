import TollgateBilling

/// The writer keeps the audit index (docs/operator-guide.md, "Audit index") up to date: after a commit in which the
/// log sealed a segment, and once at open, it writes the index of the newest sealed segments that have none. The
/// log stays ignorant of billing: the engine only notices that the log's active segment moved on.
extension Engine {
    /// Indexes the newest unindexed sealed segments (bounded: ``AuditIndexStore/sealIndexCountMaxDefault`` per
    /// call). A derived file is never worth failing an append for: an error is a warning, and `audit` scans a
    /// segment without an index. The next seal (or open, or `tollgate index`) tries again.
    func indexSealedSegments(activeBaseSeq: UInt64) {
        auditIndexedActiveBaseSeq = activeBaseSeq
        guard writesDerivedFiles else { return }
        do {
            _ = try AuditIndexStore(directory: configuration.directory).indexNewestSealed()
        } catch {
            configuration.warningHandler?("audit index not written (audit scans those segments instead): \(error)")
        }
    }
}
