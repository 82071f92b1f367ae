import TollgateBilling
import TollgateLog

/// The part of a verified replay that needs no billing state: the log read from its first record (every checksum
/// and the chain checked by `LogReader`), each body decoded, and the accounting journal (``AccountingVerifier``)
/// folded from the decoded records — handed out in bounded chunks up to the replay's bound. It can run on a second
/// thread ahead of the billing verifier (``DecodedRecordQueue``) because nothing here reads the billing state.
struct DecodedRecords {
    /// One record as the billing verifier needs it: the log's seq and time, and its body decoded (or why not).
    struct Item: Sendable {
        var seq: UInt64
        var timeMs: Int64
        var decoded: Result<LedgerRecord, RecordDecodingError>
    }

    /// Records per chunk: large enough that the hand-off between threads is rare, small enough to stay in cache.
    static let chunkRecordCountMax = 1_024

    private var reader: LogReader?
    private let bound: Projection.Bound
    /// Why the log could not be read on (opening it, a damaged batch) before the bound; the iteration ends there.
    private(set) var failure: LogError?
    /// The journal of every record handed out that decoded (what the billing verifier returns for them).
    private(set) var accounting = AccountingVerifier()

    init(directory: String, storage: any LogStorage, until bound: Projection.Bound) {
        self.bound = bound
        do throws(LogError) {
            reader = try LogReader(directory: directory, fromSeq: 1, storage: storage)
        } catch {
            failure = error
        }
    }

    /// The next ≤ ``chunkRecordCountMax`` records; empty at the end of the log, at the bound, or at a failure
    /// (see ``failure``).
    mutating func nextChunk() -> [Item] {
        guard var active = reader else { return [] }
        reader = nil  // keeps `active` uniquely referenced while it reads
        var chunk: [Item] = []
        chunk.reserveCapacity(Self.chunkRecordCountMax)
        var atBound = false
        do throws(LogError) {
            while chunk.count < Self.chunkRecordCountMax, let record = try active.next() {
                let seq = Int64(record.seq)
                let time = Timestamp(millisecondsSinceEpoch: record.timeMs)
                if case .seq(let last) = bound, seq > last { atBound = true }
                if case .time(let last) = bound, time > last { atBound = true }
                if atBound { break }
                let decoded = LedgerRecord.decode(typeTag: record.type, body: record.body)
                if case .success(let ledgerRecord) = decoded {
                    accounting.add(LedgerEntry(seq: seq, time: time, record: ledgerRecord))
                }
                chunk.append(Item(seq: record.seq, timeMs: record.timeMs, decoded: decoded))
            }
            if chunk.count == Self.chunkRecordCountMax && !atBound { reader = active }
        } catch {
            failure = error
        }
        assert(chunk.count <= Self.chunkRecordCountMax)
        return chunk
    }
}
