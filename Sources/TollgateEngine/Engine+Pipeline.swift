import TollgateBilling
import TollgateLog

/// Pipelined commits: the engine decides batch N+1 while batch N's append and `fdatasync` run on a committer
/// thread (docs/engine.md, "Pipelined commits"). Decisions stay in order (one deciding thread, one appending
/// thread, batches appended in hand-over order); a result may be shown only after ``waitDurable(_:)`` for a
/// ticket at or after it returned. After a failed append every later batch fails too, unwritten.
extension Engine {
    /// Names the records staged before one ``commitAsync()``: waiting for it waits for them and all before.
    public struct CommitTicket: Hashable, Sendable {
        /// The seq after the last record covered.
        public let endSeq: Int64
    }

    /// Hands everything staged to the committer thread (started on first use) and returns at once, unless two
    /// batches are already waiting for the disk. Results of what was staged must not be shown before
    /// ``waitDurable(_:)`` returns for the ticket. When the periodic snapshot is due, this waits for the batch and
    /// writes the snapshot first, so a snapshot only ever holds durable records.
    public func commitAsync() throws(EngineError) -> CommitTicket {
        if let failure { throw failure }
        if pipeline == nil {
            pipeline = CommitPipeline(
                log: log, durableEndSeq: nextSeq - Int64(pendingRecords.count), notesEnds: activeAuditEnd != nil)
        }
        let ticket = CommitTicket(endSeq: nextSeq)
        try commitStaged()
        if snapshotIsDue {
            try waitDurable(ticket)
            writeSnapshot()
        }
        return ticket
    }

    /// Waits until every record up to the ticket is durable. Throws (and the engine is failed) if an append at
    /// or before it failed: none of those results may be shown.
    public func waitDurable(_ ticket: CommitTicket) throws(EngineError) {
        guard let pipeline else {
            // Tickets come from `commitAsync`, which starts the pipeline: nothing to wait for.
            if let failure { throw failure }
            return
        }
        do {
            try pipeline.waitDurable(endSeq: ticket.endSeq)
        } catch {
            failure = failure ?? error
            throw error
        }
        afterDurable()
    }

    /// Whether the ticket's records are durable now (never waits). Throws like ``waitDurable(_:)``.
    public func isDurable(_ ticket: CommitTicket) throws(EngineError) -> Bool {
        guard let pipeline else {
            if let failure { throw failure }
            return true
        }
        do {
            guard try pipeline.isDurable(endSeq: ticket.endSeq) else { return false }
        } catch {
            failure = failure ?? error
            throw error
        }
        afterDurable()
        return true
    }

    /// Hands what is staged to the committer thread when there is one, else appends it on this thread.
    func commitStaged() throws(EngineError) {
        guard let pipeline else {
            try commit()
            return
        }
        guard !pendingRecords.isEmpty else { return }
        let records = pendingRecords
        pendingRecords = pipeline.takeSpareRecordArray() ?? []
        pendingRecords.reserveCapacity(configuration.batchCommandCountMax)
        pendingSizeBytes = 0
        submitActiveAudit(endSeq: nextSeq)
        do {
            try pipeline.submit(records, endSeq: nextSeq)
        } catch {
            activeAuditSubmitted.removeAll()
            failure = failure ?? error
            throw error
        }
    }
}
