import TollgateBilling
import TollgateLog

#if canImport(Glibc)
import Glibc
#endif

/// Read-only iteration over the decoded billing records of a log, in seq order, from any seq: the scan every
/// query (`transactions`, `audit`, `usage`, `tail`, …) is built on. Never writes a file; a torn tail simply ends
/// the iteration (see ``tornTail``). Every record returned passed its checksum and the chain (``LogReader``),
/// decoded, and follows its predecessor's seq.
public struct LedgerReader {
    private var reader: LogReader
    private var expectedSeq: Int64?
    /// The seq after the last record returned (where a follow-up read continues).
    public private(set) var nextSeq: Int64

    /// Opens the log in `directory`; a directory that does not exist is an error (queries never create one).
    public init(directory: String, fromSeq: Int64 = 1) throws(EngineError) {
        var status = stat()
        guard stat(directory, &status) == 0, (status.st_mode & S_IFMT) == S_IFDIR else {
            throw EngineError(.badQuery, "no log directory at \(directory)")
        }
        do {
            reader = try LogReader(directory: directory, fromSeq: UInt64(max(1, fromSeq)))
        } catch {
            throw EngineError(.log, "cannot read the log in \(directory): \(error)")
        }
        nextSeq = max(1, fromSeq)
    }

    /// Starts at a batch of the raw active segment that a derived file names; nothing in `position` is trusted
    /// (``LogReader/init(directory:at:)``): a position that does not match the log throws.
    public init(directory: String, at position: BatchPosition) throws(EngineError) {
        do {
            reader = try LogReader(directory: directory, at: position)
        } catch {
            throw EngineError(.log, "cannot read the log in \(directory) at \(position): \(error)")
        }
        nextSeq = Int64(position.baseSeq)
    }

    /// Opens the log at `fromSeq` as ``init(directory:fromSeq:)`` does, but starting from `position` — an earlier
    /// reader's ``resumePosition`` — when it still names a batch of the raw segment at or before `fromSeq`: only
    /// that batch on is read, where an open by seq reads the active segment from its start (a follower polling a
    /// 64 MiB segment would read it whole on every poll). The position is checked like any (the batch's seq and
    /// chain); when it no longer fits the log (the segment was sealed, the log was cut back) the open falls back to
    /// the read by seq, so the records returned are the same either way.
    public init(directory: String, fromSeq: Int64, resumingAt position: BatchPosition?) throws(EngineError) {
        let from = max(1, fromSeq)
        if let position, position.baseSeq <= UInt64(from),
            UInt64(from) - position.baseSeq <= UInt64(LogLimits.batchRecordCountMax),
            var positioned = try? LogReader(directory: directory, at: position)
        {
            // Pass over the batch's records before `from` (a batch holds at most `batchRecordCountMax`).
            let skipCount = UInt64(from) - position.baseSeq
            var skipped: UInt64 = 0
            var skippedAll = skipCount == 0
            if !skippedAll {
                _ = try? positioned.withEach { record in
                    skipped += 1
                    skippedAll = skipped == skipCount && record.seq == UInt64(from) - 1
                    return skipped < skipCount
                }
            }
            if skippedAll {
                self.init(reader: positioned, nextSeq: from)
                return
            }
        }
        try self.init(directory: directory, fromSeq: from)
    }

    private init(reader: LogReader, nextSeq: Int64) {
        self.reader = reader
        self.nextSeq = nextSeq
    }

    /// Where a later reader can resume cheaply (``init(directory:fromSeq:resumingAt:)``): the batch of the raw
    /// segment holding the record last read, kept after the end of the log; nil before the first record or in a
    /// sealed segment.
    public private(set) var resumePosition: BatchPosition?

    /// The partial batch the iteration ended at, if any (an unacknowledged append; the next writer truncates it).
    public var tornTail: TornTail? { reader.tornTail }

    /// The next record, or nil at the end of the log.
    public mutating func next() throws(EngineError) -> LedgerEntry? {
        try next(decodingOnly: { _, _, _ in true })
    }

    /// The next record that `wanted` (seq, time, type tag) accepts, or nil at the end of the log. The others are
    /// read and checked (checksum, chain, seq) but not decoded: a scan that wants few kinds of records (`audit`)
    /// pays the log's speed, not the decoder's, for the rest. `wanted` should also accept the first record past
    /// the caller's own bounds, so that the caller sees it and stops.
    public mutating func next(
        decodingOnly wanted: (_ seq: Int64, _ time: Timestamp, _ typeTag: UInt8) -> Bool
    ) throws(EngineError) -> LedgerEntry? {
        var raw: LogRecord
        repeat {
            let read: LogRecord?
            do {
                read = try reader.next()
            } catch {
                throw EngineError(.log, "reading the log failed: \(error)")
            }
            guard let read else { return nil }
            raw = read
            let seq = Int64(raw.seq)
            if let expectedSeq, seq != expectedSeq {
                throw EngineError(.log, "record seq \(seq) follows \(expectedSeq - 1): the log is not contiguous")
            }
            expectedSeq = seq + 1
            nextSeq = seq + 1
            resumePosition = reader.currentBatchPosition
        } while !wanted(Int64(raw.seq), Timestamp(millisecondsSinceEpoch: raw.timeMs), raw.type)
        let seq = Int64(raw.seq)
        switch LedgerRecord.decode(typeTag: raw.type, body: raw.body) {
        case .success(let record):
            return LedgerEntry(seq: seq, time: Timestamp(millisecondsSinceEpoch: raw.timeMs), record: record)
        case .failure(let error):
            throw EngineError(.undecodableRecord, "record \(seq) (type \(raw.type)) cannot be decoded: \(error)")
        }
    }

    /// Calls `body` with every record from `fromSeq` to the end (or until `body` returns false), reporting
    /// progress every 65,536 records.
    public static func scan(
        directory: String, fromSeq: Int64 = 1, progress: ((Int64) -> Void)? = nil,
        _ body: (LedgerEntry) throws(EngineError) -> Bool
    ) throws(EngineError) {
        var reader = try LedgerReader(directory: directory, fromSeq: fromSeq)
        var count: Int64 = 0
        while let entry = try reader.next() {
            count += 1
            if let progress, count & 0xFFFF == 0 { progress(count) }
            guard try body(entry) else { return }
        }
    }
}
