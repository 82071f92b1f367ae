import Foundation
import TollgateBilling
import TollgateLog

/// The log's records read, checked and decoded on a second thread, ahead of the fold that consumes them
/// (``Projection/load(directory:billing:until:useSnapshots:progress:)`` on real files).
///
/// Reading a record (window reads, CRC32C, the chain) and decoding its body cost about as much as folding it, so on
/// two cores a fold takes the time of the slower half instead of the sum; while a snapshot is being decoded the
/// reader is already at work on the records after it. Bounded: at most `chunkCountMax` chunks of
/// `chunkRecordCount` decoded records wait for the fold; the reader sleeps until one is taken. The consumer gets
/// exactly the records, errors and messages the one-thread loop would produce, in order; seq contiguity and the
/// fold stay with it.
final class LedgerPrefetch: @unchecked Sendable {
    struct Item: Sendable {
        var seq: Int64
        var time: Timestamp
        var record: LedgerRecord
    }

    enum Chunk: Sendable {
        case records([Item])
        /// The reader stopped with this error (nothing follows); `seq` is the record it could not decode, which the
        /// consumer must first check for contiguity (the one-thread loop checks that before decoding).
        case failure(EngineError, seq: Int64?)
        /// The end of the log or of the bound (nothing follows).
        case end
    }

    static let chunkRecordCountDefault = 4096
    /// 32 × 4,096 records: a few tens of MB of decoded records at most.
    static let chunkCountMaxDefault = 32
    let chunkRecordCount: Int
    let chunkCountMax: Int

    /// The seq of the first record asked for.
    let fromSeq: Int64
    private let condition = NSCondition()
    /// Chunks not yet taken, oldest first (`head` is the next to hand out).
    private var chunks: [Chunk] = []
    private var head = 0
    private var cancelled = false
    private var readerDone = false

    /// Starts reading records with seq ≥ `fromSeq` up to `bound`.
    init(
        directory: String, fromSeq: Int64, bound: Projection.Bound,
        chunkRecordCount: Int = chunkRecordCountDefault, chunkCountMax: Int = chunkCountMaxDefault
    ) {
        precondition(fromSeq >= 1 && chunkRecordCount >= 1 && chunkCountMax >= 1)
        self.fromSeq = fromSeq
        self.chunkRecordCount = chunkRecordCount
        self.chunkCountMax = chunkCountMax
        let thread = Thread { [self] in
            read(directory: directory, fromSeq: fromSeq, bound: bound)
            condition.lock()
            readerDone = true
            condition.broadcast()
            condition.unlock()
        }
        thread.name = "tollgate-prefetch"
        thread.start()
    }

    /// The next chunk, waiting for the reader if needed. After `.failure` or `.end` it must not be called again.
    func next() -> Chunk {
        condition.lock()
        defer { condition.unlock() }
        while head == chunks.count { condition.wait() }
        let chunk = chunks[head]
        chunks[head] = .end  // Drop the records' storage now.
        head += 1
        if head == chunks.count {
            chunks.removeAll(keepingCapacity: true)
            head = 0
        }
        condition.broadcast()
        return chunk
    }

    /// Stops the reader and waits until it has let go of the log's files (call once the fold is done or failed).
    func finish() {
        condition.lock()
        defer { condition.unlock() }
        cancelled = true
        condition.broadcast()
        while !readerDone { condition.wait() }
        chunks.removeAll()
        head = 0
    }

    /// Hands a chunk to the consumer; false when the consumer has gone (stop reading).
    private func put(_ chunk: Chunk) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while chunks.count - head >= chunkCountMax && !cancelled { condition.wait() }
        guard !cancelled else { return false }
        chunks.append(chunk)
        condition.broadcast()
        return true
    }

    private func read(directory: String, fromSeq: Int64, bound: Projection.Bound) {
        var reader: LogReader
        do {
            reader = try LogReader(directory: directory, fromSeq: UInt64(fromSeq))
        } catch {
            _ = put(.failure(EngineError(.log, "cannot read the log in \(directory): \(error)"), seq: nil))
            return
        }
        var items: [Item] = []
        items.reserveCapacity(chunkRecordCount)
        while true {
            let next: LogRecord?
            do {
                next = try reader.next()
            } catch {
                if put(.records(items)) {
                    _ = put(.failure(EngineError(.log, "reading the log failed: \(error)"), seq: nil))
                }
                return
            }
            guard let record = next else { break }
            let seq = Int64(record.seq)
            let time = Timestamp(millisecondsSinceEpoch: record.timeMs)
            if case .seq(let last) = bound, seq > last { break }
            if case .time(let last) = bound, time > last { break }
            switch LedgerRecord.decode(typeTag: record.type, body: record.body) {
            case .success(let body):
                items.append(Item(seq: seq, time: time, record: body))
            case .failure(let error):
                // The consumer checks contiguity before it would fold this record: hand over what came before.
                if put(.records(items)) {
                    _ = put(
                        .failure(
                            EngineError(
                                .undecodableRecord, "record \(seq) (type \(record.type)) cannot be decoded: \(error)"),
                            seq: seq))
                }
                return
            }
            if items.count == chunkRecordCount {
                guard put(.records(items)) else { return }
                items = []
                items.reserveCapacity(chunkRecordCount)
            }
        }
        if put(.records(items)) { _ = put(.end) }
    }
}
