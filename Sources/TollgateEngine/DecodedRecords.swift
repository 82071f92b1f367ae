import TollgateBilling
import TollgateLog

/// The stateless half of a verified replay: the log read from its first record (every checksum and the chain
/// checked by `LogReader`) and each body decoded, handed out in bounded chunks. It can run on a second thread
/// ahead of the verifier (``DecodedRecordQueue``) because nothing here depends on the billing state.
struct DecodedRecords {
    /// One record as the verifier needs it: the log's seq and time, and its body decoded (or why it does not).
    struct Item: Sendable {
        var seq: UInt64
        var timeMs: Int64
        var decoded: Result<LedgerRecord, RecordDecodingError>
    }

    /// Records per chunk: large enough that the hand-off between threads is rare, small enough to stay in cache.
    static let chunkRecordCountMax = 1_024

    private var reader: LogReader?
    /// Why the log could not be read on (opening it, a damaged batch); the iteration ends there.
    private(set) var failure: LogError?

    init(directory: String, storage: any LogStorage) {
        do throws(LogError) {
            reader = try LogReader(directory: directory, fromSeq: 1, storage: storage)
        } catch {
            failure = error
        }
    }

    /// The next ≤ ``chunkRecordCountMax`` records; empty at the end of the log or at a failure (see ``failure``).
    mutating func nextChunk() -> [Item] {
        guard var active = reader else { return [] }
        reader = nil  // keeps `active` uniquely referenced while it reads
        var chunk: [Item] = []
        chunk.reserveCapacity(Self.chunkRecordCountMax)
        do throws(LogError) {
            while chunk.count < Self.chunkRecordCountMax, let record = try active.next() {
                chunk.append(
                    Item(
                        seq: record.seq, timeMs: record.timeMs,
                        decoded: LedgerRecord.decode(typeTag: record.type, body: record.body)))
            }
            if chunk.count == Self.chunkRecordCountMax { reader = active }
        } catch {
            failure = error
        }
        assert(chunk.count <= Self.chunkRecordCountMax)
        return chunk
    }
}
