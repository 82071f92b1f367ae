#if canImport(Glibc)
    import Glibc
#endif
import TollgateBilling
import TollgateLog

/// `audit` over the raw active segment with its sidecar (``ActiveAuditIndex``): the newest coverage mark the log
/// confirms is found (newest first, a few tries), the records after it are scanned, and the sidecar's postings
/// before it are read — only as many as the page needs, each checked against the record it names (seq, chain,
/// initiator, time). Anything that does not hold makes the caller scan the segment instead, so the answer never
/// depends on the sidecar being right.
extension AuditQuery {
    /// At most this many marks are tried, newest first, before the sidecar is given up for a scan.
    static let activeMarkTriesMax = 8
    /// At most this many marks found past the records' end (in the preallocated zeros) are passed over.
    static let pastEndMarksMax = 64

    /// What reading from a mark found.
    private enum MarkScan {
        /// The log confirms the mark: the matching records after it.
        case confirmed([LedgerEntry])
        /// No batch at the mark's position: it lies where the records have ended (a crash cut the log back).
        case pastEnd
        /// The records there do not reach the mark's last covered record.
        case unconfirmed
    }

    /// The matching records of the active segment (seq order) that a page needing `need` more can use: all matches
    /// after the mark, plus the newest (newest-first) or oldest (oldest-first) `need` postings before it.
    func activeSegmentEntries(directory: String, segmentBaseSeq: UInt64, need: Int)
        -> Swift.Result<[LedgerEntry], ActiveAuditIndex.Rejection>
    {
        precondition(need >= 1)
        let index: ActiveAuditIndex
        switch ActiveAuditIndex.load(directory: directory, segmentBaseSeq: segmentBaseSeq) {
        case .success(let loaded): index = loaded
        case .failure(let rejection): return .failure(rejection)
        }
        // A sidecar without a mark covers nothing yet (its writer has not finished a commit): a plain scan.
        guard !index.marks.isEmpty else { return .failure(.missing) }
        // Marks whose batch lies past the end of the file (written before a crash cut the log back) are passed
        // over without a read; marks whose batch lies in the preallocated zeros after the records (the file's size
        // is past the records' end while a writer has it open or after a kill) are passed over after one read of
        // the zeros. The tries are for marks the log might confirm.
        let segmentPath = directory + "/" + SegmentFileName.rawName(baseSeq: segmentBaseSeq)
        var status = stat()
        let sizeBytes = stat(segmentPath, &status) == 0 ? UInt64(status.st_size) : 0
        let candidates = index.marks.reversed().filter { $0.batch.offsetBytes < sizeBytes }
        var triedCount = 0
        var pastEndCount = 0
        for mark in candidates {
            guard triedCount < Self.activeMarkTriesMax, pastEndCount < Self.pastEndMarksMax else { break }
            let scanned = try? scanAfter(mark, directory: directory, need: need)
            guard case .confirmed(let tail) = scanned else {
                if case .pastEnd = scanned { pastEndCount += 1 } else { triedCount += 1 }
                continue
            }
            var postings = index.postings[..<mark.postingCount].filter { posting in
                posting.initiator == initiatedBy && timeMatches(Timestamp(millisecondsSinceEpoch: posting.timeMs))
            }
            let postingsNeeded = order == .oldest ? need : max(0, need - tail.count)
            postings = order == .oldest ? Array(postings.prefix(postingsNeeded)) : Array(postings.suffix(postingsNeeded))
            guard let posted = try? read(postings, directory: directory) else { return .failure(.stale) }
            return .success(posted + tail)
        }
        return .failure(.stale)
    }

    func timeMatches(_ time: Timestamp) -> Bool {
        (from.map { time >= $0 } ?? true) && (to.map { time < $0 } ?? true)
    }

    /// The matching records after `mark`, read from its batch (which must continue the chain the mark recorded)
    /// to the end of the log; `.unconfirmed` when the log does not reach the mark's last covered record,
    /// `.pastEnd` when there is no batch at the mark's position at all.
    private func scanAfter(_ mark: ActiveAuditIndex.Mark, directory: String, need: Int) throws(EngineError)
        -> MarkScan
    {
        var reader = try LedgerReader(directory: directory, at: mark.batch)
        let covered = Int64(mark.coveredNextSeq)
        var metCoveredEnd = false
        var found: [LedgerEntry] = []
        let wanted = { (seq: Int64, time: Timestamp, typeTag: UInt8) -> Bool in
            if seq < covered {
                if seq == covered - 1 { metCoveredEnd = true }
                return false
            }
            if let to = self.to, time >= to { return true }
            return LedgerRecord.mayHaveInitiator(typeTag: typeTag)
        }
        while let entry = try reader.next(decodingOnly: wanted) {
            if let to, entry.time >= to { break }
            if matches(entry) { found.append(entry) }
            if order == .oldest && found.count >= need { break }
        }
        // Also true when the log ends exactly at the mark (nothing read after it but the covered records).
        if metCoveredEnd { return .confirmed(found) }
        let readNothing = reader.nextSeq == Int64(mark.batch.baseSeq) && reader.tornTail == nil
        return readNothing ? .pastEnd : .unconfirmed
    }

    /// Reads the records `postings` name (seq order), one forward reader for postings close together.
    private func read(_ postings: [ActiveAuditIndex.Posting], directory: String) throws(EngineError) -> [LedgerEntry] {
        var entries: [LedgerEntry] = []
        var reader: LedgerReader?
        for posting in postings {
            let seq = Int64(posting.seq)
            let readOn = reader.map { seq >= $0.nextSeq && seq - $0.nextSeq <= Self.forwardReadGapRecordsMax }
            if readOn != true { reader = try LedgerReader(directory: directory, at: posting.batch) }
            guard let entry = try reader!.next(decodingOnly: { candidate, _, _ in candidate >= seq }),
                entry.seq == seq, entry.time.millisecondsSinceEpoch == posting.timeMs, matches(entry)
            else {
                throw EngineError(.log, "the active segment's sidecar names seq \(seq), which does not match")
            }
            entries.append(entry)
        }
        return entries
    }
}
