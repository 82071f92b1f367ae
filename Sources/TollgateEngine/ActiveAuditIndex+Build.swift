import Foundation
import TollgateBilling
import TollgateLog

/// Reading the active segment for the sidecar: the writer's catch-up after a restart, and the full build of
/// `tollgate index` / `rebuild`. Records that never name an initiator (debits, consumes) are read and checked, not
/// decoded.
extension ActiveAuditIndex {
    /// What a read from one batch of the active segment to the end of the log found.
    struct TailScan {
        /// Initiator records with seq ≥ the covered seq, in seq order.
        var postings: [Posting] = []
        /// The batch of the last record read (nil when none was read).
        var lastBatch: BatchPosition?
        /// The seq after the last record read.
        var nextSeq: UInt64
        /// Whether the record `coveredNextSeq − 1` was met (a mark is only confirmed by meeting it).
        var metCoveredEnd = false
    }

    /// Reads `reader` to the end of the log; every record must lie in the raw segment `segmentBaseSeq`.
    static func scanTail(
        _ reader: inout LogReader, segmentBaseSeq: UInt64, coveredNextSeq: UInt64, startSeq: UInt64
    ) throws(EngineError) -> TailScan {
        var scan = TailScan(nextSeq: startSeq)
        while true {
            let read: LogRecord?
            do { read = try reader.next() } catch { throw EngineError(.log, "reading the active segment: \(error)") }
            guard let record = read else { break }
            guard record.seq == scan.nextSeq || scan.lastBatch == nil, let batch = reader.currentBatchPosition,
                batch.segmentBaseSeq == segmentBaseSeq
            else {
                throw EngineError(.log, "seq \(record.seq) is not where the active segment's sidecar expects it")
            }
            scan.nextSeq = record.seq + 1
            scan.lastBatch = batch
            if record.seq + 1 == coveredNextSeq { scan.metCoveredEnd = true }
            guard record.seq >= coveredNextSeq, LedgerRecord.mayHaveInitiator(typeTag: record.type) else { continue }
            guard case .success(let decoded) = LedgerRecord.decode(typeTag: record.type, body: record.body) else {
                throw EngineError(.undecodableRecord, "record \(record.seq) (type \(record.type)) cannot be decoded")
            }
            if let initiator = decoded.initiatedBy {
                scan.postings.append(Posting(seq: record.seq, timeMs: record.timeMs, initiator: initiator, batch: batch))
            }
        }
        return scan
    }

    /// The whole sidecar of the raw segment `segmentBaseSeq`, built by reading it: header, postings and one mark
    /// at its end (none when the segment holds no record yet).
    static func build(directory: String, segmentBaseSeq: UInt64) throws(EngineError) -> [UInt8] {
        var reader: LogReader
        do { reader = try LogReader(directory: directory, fromSeq: segmentBaseSeq) } catch {
            throw EngineError(.log, "cannot read the log in \(directory): \(error)")
        }
        let scan = try scanTail(
            &reader, segmentBaseSeq: segmentBaseSeq, coveredNextSeq: segmentBaseSeq, startSeq: segmentBaseSeq)
        var bytes: [UInt8] = []
        var previous = appendHeader(segmentBaseSeq: segmentBaseSeq, into: &bytes)
        for posting in scan.postings { previous = appendPosting(posting, previous: previous, into: &bytes) }
        if let lastBatch = scan.lastBatch {
            _ = appendMark(coveredNextSeq: scan.nextSeq, batch: lastBatch, previous: previous, into: &bytes)
        }
        return bytes
    }

    /// Why a sidecar file is not used.
    enum Rejection: Error, Equatable, CustomStringConvertible {
        case missing
        case corrupt
        /// No mark could be confirmed against the log (written before a crash cut the log, or for another log).
        case stale

        var description: String {
            switch self {
            case .missing: "no sidecar"
            case .corrupt: "sidecar header, size or checksum is bad"
            case .stale: "no coverage mark of the sidecar matches the log"
            }
        }
    }

    /// Reads and decodes the sidecar of the raw segment `segmentBaseSeq` (not yet checked against the log).
    static func load(directory: String, segmentBaseSeq: UInt64, keepingPostings: Bool = true)
        -> Result<ActiveAuditIndex, Rejection>
    {
        let path = path(directory: directory, segmentBaseSeq: segmentBaseSeq)
        guard let data = FileManager.default.contents(atPath: path) else { return .failure(.missing) }
        guard let index = decode([UInt8](data), segmentBaseSeq: segmentBaseSeq, keepingPostings: keepingPostings)
        else { return .failure(.corrupt) }
        return .success(index)
    }

    /// Writes a whole sidecar through a temporary name and a rename (`tollgate index`, `rebuild`). A writer that
    /// still appends to the replaced file loses its later entries, which costs `audit` a longer scan after the
    /// new file's mark, never an answer.
    static func write(_ bytes: [UInt8], directory: String, segmentBaseSeq: UInt64) throws(EngineError) {
        let path = path(directory: directory, segmentBaseSeq: segmentBaseSeq)
        do {
            try FileManager.default.createDirectory(
                atPath: directory + "/" + AuditIndex.directoryName, withIntermediateDirectories: true)
            try Data(bytes).write(to: URL(fileURLWithPath: path + ".tmp"))
            if FileManager.default.fileExists(atPath: path) { try FileManager.default.removeItem(atPath: path) }
            try FileManager.default.moveItem(atPath: path + ".tmp", toPath: path)
        } catch {
            throw EngineError(.log, "cannot write \(path): \(error)")
        }
    }
}
