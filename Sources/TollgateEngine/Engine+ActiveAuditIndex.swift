import TollgateBilling
import TollgateLog

/// The writer keeps the audit sidecar of the raw active segment (``ActiveAuditIndex``, docs/operator-guide.md,
/// "Audit index of the active segment"): records that name an initiator are noted as they are staged; after the
/// commit that made them durable, their postings and a coverage mark are appended to the sidecar. A derived file
/// is never worth failing an append for: any error is a warning, the sidecar is deleted and `audit` scans the
/// segment (as without one) until the segment is sealed; the next segment gets a new sidecar.
extension Engine {
    /// A staged record that names an initiator, posted to the sidecar once its batch is durable.
    typealias StagedAuditPosting = (seq: UInt64, timeMs: Int64, initiator: String)

    /// At most this many marks of an existing sidecar are tried, newest first, when the engine opens.
    static let activeAuditResumeMarkTriesMax = 8

    /// Notes a staged record for the sidecar (debits and consumes, almost every record, cost one comparison).
    @inline(__always)
    func noteActiveAudit(_ record: LedgerRecord, seq: Int64, time: Timestamp) {
        guard activeAuditEnd != nil, LedgerRecord.mayHaveInitiator(typeTag: record.typeTag),
            let initiator = record.initiatedBy
        else { return }
        activeAuditStaged.append((UInt64(seq), time.millisecondsSinceEpoch, initiator))
    }

    /// After a durable append of one batch holding `staged`: `end` is where the log ended after it,
    /// `activeAuditEnd` where it ended before (the single writer's batch started there, or at the start of the
    /// segment it rolled to).
    func recordActiveAudit(_ staged: [StagedAuditPosting], end: LogEnd) {
        defer { if activeAuditEnd != nil { activeAuditEnd = end } }
        guard let before = activeAuditEnd, end.nextSeq > before.nextSeq else { return }
        var batch = before.nextBatch
        if end.segmentBaseSeq != before.segmentBaseSeq {
            // The append rolled the log: the old segment is sealed (its sealed index follows), this batch is the
            // first of the new segment, and the new segment gets a fresh sidecar.
            activeAudit?.discard()
            activeAudit = nil
            batch = BatchPosition(
                segmentBaseSeq: end.segmentBaseSeq, offsetBytes: BatchPosition.firstBatchOffsetBytes,
                baseSeq: before.nextSeq, chainBefore: before.chain)
            guard end.segmentBaseSeq == before.nextSeq else { return }
            do {
                activeAudit = try ActiveAuditWriter.create(
                    directory: configuration.directory, segmentBaseSeq: end.segmentBaseSeq)
            } catch {
                configuration.warningHandler?("audit sidecar not started (audit scans the active segment): \(error)")
                return
            }
        }
        guard let writer = activeAudit else { return }
        let postings = staged.map {
            ActiveAuditIndex.Posting(seq: $0.seq, timeMs: $0.timeMs, initiator: $0.initiator, batch: batch)
        }
        do {
            try writer.append(
                postings, markBatch: batch, coveredNextSeq: end.nextSeq, segmentSizeBytes: end.segmentSizeBytes)
        } catch {
            configuration.warningHandler?("audit sidecar dropped (audit scans the active segment): \(error)")
            writer.discard()
            activeAudit = nil
        }
    }

    /// At open: continues the active segment's sidecar from its newest mark that the log confirms (reading the
    /// records after it to post them), starts one for an empty segment, and otherwise leaves the segment without
    /// one until it is sealed (`audit` scans it; `tollgate index` can build it). Never reads the whole segment.
    func resumeActiveAudit(end: LogEnd) {
        guard writesDerivedFiles else { return }
        activeAuditEnd = end
        let directory = configuration.directory
        if end.segmentSizeBytes <= BatchPosition.firstBatchOffsetBytes {
            do {
                activeAudit = try ActiveAuditWriter.create(directory: directory, segmentBaseSeq: end.segmentBaseSeq)
            } catch {
                configuration.warningHandler?("audit sidecar not started (audit scans the active segment): \(error)")
            }
            return
        }
        let index: ActiveAuditIndex
        switch ActiveAuditIndex.load(directory: directory, segmentBaseSeq: end.segmentBaseSeq, keepingPostings: false) {
        case .success(let loaded): index = loaded
        case .failure(.missing): return
        case .failure(let rejection):
            configuration.warningHandler?(
                "audit sidecar of the active segment dropped (\(rejection)); audit scans that segment until it is sealed")
            ActiveAuditWriter.discardFile(directory: directory, segmentBaseSeq: end.segmentBaseSeq)
            return
        }
        // Marks past the log's end (written before a crash cut it back) are passed over without a read.
        let candidates = index.marks.reversed().filter { $0.coveredNextSeq <= end.nextSeq }
        for mark in candidates.prefix(Self.activeAuditResumeMarkTriesMax) {
            guard var reader = try? LogReader(directory: directory, at: mark.batch),
                let scan = try? ActiveAuditIndex.scanTail(
                    &reader, segmentBaseSeq: end.segmentBaseSeq, coveredNextSeq: mark.coveredNextSeq,
                    startSeq: mark.batch.baseSeq),
                scan.metCoveredEnd, scan.nextSeq == end.nextSeq, let lastBatch = scan.lastBatch
            else { continue }
            do {
                let writer = try ActiveAuditWriter.resume(
                    directory: directory, segmentBaseSeq: end.segmentBaseSeq, after: mark)
                if scan.nextSeq > mark.coveredNextSeq {
                    try writer.append(
                        scan.postings, markBatch: lastBatch, coveredNextSeq: scan.nextSeq,
                        segmentSizeBytes: end.segmentSizeBytes)
                }
                activeAudit = writer
            } catch {
                configuration.warningHandler?("audit sidecar not resumed (audit scans the active segment): \(error)")
            }
            return
        }
        configuration.warningHandler?(
            "audit sidecar of the active segment does not match the log; audit scans that segment until it is sealed")
        ActiveAuditWriter.discardFile(directory: directory, segmentBaseSeq: end.segmentBaseSeq)
    }

    /// With pipelined commits: the batch ending before `endSeq` is durable and the log ended at `end` after it
    /// (the committer's note, so batches that became durable together are still posted one by one).
    func recordPipelinedActiveAudit(endSeq: Int64, end: LogEnd) {
        assert(end.nextSeq == UInt64(endSeq), "the committer's end does not match its batch")
        var postings: [StagedAuditPosting] = []
        if let first = activeAuditSubmitted.first, first.endSeq == endSeq {
            postings = activeAuditSubmitted.removeFirst().postings
        }
        assert(activeAuditSubmitted.first.map { $0.endSeq > endSeq } ?? true, "sidecar postings out of order")
        recordActiveAudit(postings, end: end)
    }

    /// With pipelined commits: the initiator records staged so far go with the batch handed over now.
    func submitActiveAudit(endSeq: Int64) {
        guard activeAuditEnd != nil, !activeAuditStaged.isEmpty else { return }
        activeAuditSubmitted.append((endSeq, activeAuditStaged))
        activeAuditStaged.removeAll(keepingCapacity: true)
    }

    /// At close: a last mark when records were appended since the newest one, then the file is closed.
    func finishActiveAudit() {
        do { try activeAudit?.finish() } catch {
            configuration.warningHandler?("audit sidecar's last mark not written (audit scans after the one before): \(error)")
        }
        activeAudit = nil
    }
}
