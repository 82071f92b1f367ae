import TollgateBilling
import TollgateLog

/// The log's records from a seq up to a bound, read (every checksum and the chain checked by `LogReader`), each
/// body decoded, and optionally the accounting journal (``AccountingVerifier``) folded from them — handed out in
/// chunks of at most ``chunkRecordCount`` records. Nothing here reads billing state, so it can run on a second
/// thread (``ReadAhead``, ``readAhead(name:chunkCountMax:_:)``) ahead of the fold or verifier that consumes it.
///
/// Records are handed out as read: seq contiguity, time order and what to do with an undecodable record are the
/// consumer's (a fold stops at it, a verified replay reports it and goes on).
struct DecodedRecords {
    /// One record as the consumer needs it: the log's seq, time and type tag, and its body decoded (or why not).
    struct Item: Sendable {
        var seq: UInt64
        var timeMs: Int64
        var typeTag: UInt8
        var decoded: Result<LedgerRecord, RecordDecodingError>
        /// The accounting journal's slot of the record's user (``AccountingJournal/userSlot(of:)``), which the
        /// verifier takes as its user key; -1 for a record without a user or without the journal.
        var userKey: Int32 = -1
    }

    /// How the records ended: at the end of the log or the bound, or at `failure`.
    struct Outcome: Sendable {
        /// Why the log could not be read on before the bound (nil: read to the end or the bound).
        var failure: LogError?
        /// `failure` came from opening the log (nothing was read), not from reading it.
        var failedOpening = false
        /// The journal of every record handed out that decoded; nil unless asked for.
        var accounting: AccountingVerifier?
    }

    enum Chunk: Sendable {
        /// 1…``chunkRecordCount`` records, in log order.
        case records([Item])
        /// Nothing follows.
        case end(Outcome)
    }

    let chunkRecordCount: Int
    private var reader: LogReader?
    private let bound: Projection.Bound
    private var outcome = Outcome()
    private var ended = false

    /// Opens the log at `fromSeq`; `accounting` folds the journal of the decoded records (a verified replay).
    init(
        directory: String, storage: any LogStorage, fromSeq: Int64 = 1, until bound: Projection.Bound,
        chunkRecordCount: Int, accounting: Bool = false
    ) {
        precondition(fromSeq >= 1 && chunkRecordCount >= 1)
        self.bound = bound
        self.chunkRecordCount = chunkRecordCount
        if accounting { outcome.accounting = AccountingVerifier() }
        do throws(LogError) {
            reader = try LogReader(directory: directory, fromSeq: UInt64(fromSeq), storage: storage)
        } catch {
            outcome.failure = error
            outcome.failedOpening = true
        }
    }

    /// The next records, or `.end` once the log, the bound or a failure is reached. Not to be called after `.end`.
    mutating func nextChunk() -> Chunk {
        precondition(!ended, "nextChunk() after .end")
        guard var active = reader else {
            ended = true
            return .end(outcome)
        }
        reader = nil  // keeps `active` uniquely referenced while it reads
        var chunk: [Item] = []
        chunk.reserveCapacity(chunkRecordCount)
        var atBound = false
        do throws(LogError) {
            while chunk.count < chunkRecordCount, let record = try active.next() {
                let seq = Int64(record.seq)
                let time = Timestamp(millisecondsSinceEpoch: record.timeMs)
                if case .seq(let last) = bound, seq > last { atBound = true }
                if case .time(let last) = bound, time > last { atBound = true }
                if atBound { break }
                let decoded = LedgerRecord.decode(typeTag: record.type, body: record.body)
                var userKey: Int32 = -1
                if outcome.accounting != nil, case .success(let ledgerRecord) = decoded {
                    // The record's user id is hashed here, once; the journal and the verifier use the slot.
                    if let userID = ledgerRecord.userID {
                        userKey = outcome.accounting!.userSlot(of: userID)
                        outcome.accounting!.add(
                            LedgerEntry(seq: seq, time: time, record: ledgerRecord), userSlot: Int(userKey))
                    } else {
                        outcome.accounting!.add(LedgerEntry(seq: seq, time: time, record: ledgerRecord))
                    }
                }
                chunk.append(
                    Item(seq: record.seq, timeMs: record.timeMs, typeTag: record.type, decoded: decoded, userKey: userKey))
            }
            if chunk.count == chunkRecordCount && !atBound { reader = active }
        } catch {
            outcome.failure = error
        }
        assert(chunk.count <= chunkRecordCount)
        guard !chunk.isEmpty else {
            ended = true
            return .end(outcome)
        }
        return .records(chunk)
    }

    /// These records produced on a thread of their own, at most `chunkCountMax` chunks ahead of the consumer.
    /// `make` opens the source on that thread (the consumer's thread never touches the log's files).
    static func readAhead(
        name: String, chunkCountMax: Int, _ make: @escaping @Sendable () -> DecodedRecords
    ) -> ReadAhead<Chunk> {
        ReadAhead(name: name, chunkCountMax: chunkCountMax) { push in
            var source = make()
            while true {
                let chunk = source.nextChunk()
                guard push(chunk) else { return }
                if case .end = chunk { return }
            }
        }
    }
}
