import TollgateBilling
import TollgateLog

/// The log's records from a seq up to a bound, read (every checksum and the chain checked by `LogReader`), each
/// body decoded, and optionally each record's user numbered (``UserKeys``) — handed out in chunks of at most
/// ``chunkRecordCount`` records. Nothing here reads billing state, so it can run on a second
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
        var body: Body
        /// The record's user's key (``UserKeys``: dense, in order of first sight), which the billing verifier and
        /// the accounting journal index their per-user data by; -1 for a record without a user, one that does not
        /// decode, or when keys were not asked for.
        var userKey: Int32 = -1

        /// A body as decoded: a debit without optional strings as a ``CompactDebit`` when asked for (a verified
        /// replay: `compactDebits`), every other record (or why it does not decode) as a ``LedgerRecord`` kept
        /// beside the items (``Records/bodies``).
        enum Body: Sendable {
            /// The record (or its decoding error) is `bodies[index]` of the chunk: held apart because a
            /// `LedgerRecord` is many words where a debit item is a few, and every item is as large as the largest
            /// case — copying and touching those words per record was ~5 % of a verified replay.
            case decoded(index: Int)
            case debit(CompactDebit)
            /// A compact debit of a user that an earlier item named with the same key (`compactDebits` and user
            /// keys): integers only, nothing reference-counted between the threads.
            case keyedDebit(KeyedDebit)
        }
    }

    /// One chunk's records: the items in log order, and the bodies that are not compact debits.
    struct Records: Sendable {
        var items: [Item] = []
        /// The bodies of the `.decoded` items, in log order (each item holds its index).
        var bodies: [Result<LedgerRecord, RecordDecodingError>] = []

        /// Room for `itemCount` items, `bodyCount` of them held whole (every record of a fold, few of a replay's).
        init(reservingItems itemCount: Int = 0, bodies bodyCount: Int = 0) {
            items.reserveCapacity(itemCount)
            bodies.reserveCapacity(bodyCount)
        }

        /// Appends a record held whole (or why it does not decode).
        mutating func append(
            seq: UInt64, timeMs: Int64, typeTag: UInt8, decoded: consuming Result<LedgerRecord, RecordDecodingError>,
            userKey: Int32 = -1
        ) {
            bodies.append(decoded)
            items.append(
                Item(seq: seq, timeMs: timeMs, typeTag: typeTag, body: .decoded(index: bodies.count - 1),
                     userKey: userKey))
        }

        /// The body of `items[index]` as a ``LedgerRecord`` whichever way it is held.
        func decoded(at index: Int) -> Result<LedgerRecord, RecordDecodingError> {
            switch items[index].body {
            case .decoded(let body): bodies[body]
            case .debit(let debit): .success(.debit(debit.record))
            case .keyedDebit:
                // Only a verified replay asks for keyed debits, and it reads `body`.
                preconditionFailure("a keyed debit has no user id to decode with")
            }
        }
    }

    /// How the records ended: at the end of the log or the bound, or at `failure`.
    struct Outcome: Sendable {
        /// Why the log could not be read on before the bound (nil: read to the end or the bound).
        var failure: LogError?
        /// `failure` came from opening the log (nothing was read), not from reading it.
        var failedOpening = false
        /// The accounting journal's end-of-log answer for every record handed out that decoded, when a stage folded
        /// it (``journaled(_:name:chunkCountMax:)``; ``AccountingVerifier/keepingOnlyFinish()``); nil otherwise.
        var accounting: AccountingVerifier?
        /// The log layer's own check of the whole log (`verifyLog`'s report), when asked for (`checksLog`): made
        /// from what the reader verified plus a pass over what it did not (``LogReader/checkingRest()``).
        var logCheck: LogVerification?
    }

    enum Chunk: Sendable {
        /// 1…``chunkRecordCount`` records, in log order.
        case records(Records)
        /// Nothing follows.
        case end(Outcome)
    }

    let chunkRecordCount: Int
    private var reader: LogReader?
    /// The reader once it stopped (bound, end or failure), kept for the log check.
    private var finished: LogReader?
    private let directory: String
    private let storage: any LogStorage
    /// At the end, check the whole log as `verifyLog` does, reusing what the reader verified.
    private let checksLog: Bool
    private let bound: Projection.Bound
    private var outcome = Outcome()
    private var ended = false
    /// Set when keys were asked for (a verified replay).
    private var userKeys: UserKeys?
    /// Debits without optional strings are handed out as ``CompactDebit``s (a verified replay).
    private let compactDebits: Bool
    /// The short user ids of the last few compact debits (≤ ``keyBatchCount``), whose keys are looked up together
    /// (``UserKeys/existingKeys(of:into:)``), and where their items are in the chunk.
    /// Fixed buffers of ``keyBatchCount`` (written by index: no appends, no clearing); `pendingCount` are in use.
    private var pendingIDs = [UserKeys.ShortID](
        repeating: UserKeys.ShortID(hash: 0, head0: 0, head1: 0, count: 0), count: keyBatchCount)
    private var pendingItems = [Int](repeating: 0, count: keyBatchCount)
    private var pendingKeys = [Int32](repeating: -1, count: keyBatchCount)
    private var pendingCount = 0
    /// Compact debits whose keys are looked up at once: enough to overlap the table's cache misses, few enough
    /// that the ids stay in a few cache lines.
    static let keyBatchCount = 16

    /// Opens the log at `fromSeq`; `userKeys` numbers the records' users and `compactDebits` hands debits out as
    /// ``CompactDebit``s where they fit (both for a verified replay). `checksLog` ends with the log layer's check of
    /// the whole log in ``Outcome/logCheck`` (a verified replay; made on this thread after the last records).
    init(
        directory: String, storage: any LogStorage, fromSeq: Int64 = 1, until bound: Projection.Bound,
        chunkRecordCount: Int, userKeys: Bool = false, compactDebits: Bool = false, checksLog: Bool = false
    ) {
        precondition(fromSeq >= 1 && chunkRecordCount >= 1)
        self.directory = directory
        self.storage = storage
        self.checksLog = checksLog
        self.bound = bound
        self.compactDebits = compactDebits
        self.chunkRecordCount = chunkRecordCount
        if userKeys { self.userKeys = UserKeys() }
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
        guard var active = reader else { return end() }
        reader = nil  // keeps `active` uniquely referenced while it reads
        // A fold holds every body whole; a replay's bodies are mostly compact debits, the rest grows as needed.
        var chunk = Records(reservingItems: chunkRecordCount, bodies: compactDebits ? 0 : chunkRecordCount)
        var atBound = false
        do throws(LogError) {
            // Each body is decoded where the reader holds it (a view of its block: no copy of the body), a batch
            // of records per call into the reader.
            let stopped = try active.withEach { record -> Bool in
                let seq = Int64(record.seq)
                let time = Timestamp(millisecondsSinceEpoch: record.timeMs)
                if case .seq(let last) = bound, seq > last { atBound = true }
                if case .time(let last) = bound, time > last { atBound = true }
                if atBound { return false }
                if compactDebits, record.type == CompactDebit.typeTag,
                    let (debit, userIDBytes) = LedgerRecord.decodeKeyedDebit(bodyBytes: record.body)
                {
                    // A user named before travels by key alone, found by the id's bytes (no `String`); the first
                    // record of a user carries the id. A short id's key is looked up later, with a batch of them.
                    if userKeys != nil, userIDBytes.count <= UserKeys.shortIDBytesMax {
                        pendingIDs[pendingCount] = UserKeys.shortID(UnsafeRawBufferPointer(userIDBytes))
                        pendingItems[pendingCount] = chunk.items.count
                        pendingCount += 1
                        chunk.items.append(
                            Item(
                                seq: record.seq, timeMs: record.timeMs, typeTag: record.type,
                                body: .keyedDebit(debit), userKey: -1))
                        if pendingCount == Self.keyBatchCount { resolvePendingKeys(&chunk) }
                        return chunk.items.count < chunkRecordCount
                    }
                    resolvePendingKeys(&chunk)  // Keys are given in order of first sight.
                    let body: Item.Body
                    var userKey: Int32 = -1
                    if let known = userKeys?.existingKey(ofUTF8: userIDBytes) {
                        userKey = known
                        body = .keyedDebit(debit)
                    } else {
                        let userID = String(decoding: userIDBytes, as: UTF8.self)
                        if userKeys != nil { userKey = userKeys!.key(of: userID) }
                        body = .debit(debit.named(userID))
                    }
                    chunk.items.append(
                        Item(
                            seq: record.seq, timeMs: record.timeMs, typeTag: record.type, body: body,
                            userKey: userKey))
                } else {
                    resolvePendingKeys(&chunk)  // Keys are given in order of first sight.
                    let decoded = LedgerRecord.decode(typeTag: record.type, bodyBytes: record.body)
                    var userKey: Int32 = -1
                    // The record's user id is hashed here, once; the verifier and the journal use the key.
                    if userKeys != nil, case .success(let ledgerRecord) = decoded, let userID = ledgerRecord.userID {
                        userKey = userKeys!.key(of: userID)
                    }
                    chunk.append(
                        seq: record.seq, timeMs: record.timeMs, typeTag: record.type, decoded: decoded,
                        userKey: userKey)
                }
                return chunk.items.count < chunkRecordCount
            }
            // Stopped by a full chunk: read on from here next time (past the bound or at the end: never again).
            if stopped && !atBound { reader = active } else { finished = active }
        } catch {
            outcome.failure = error
            finished = active
        }
        resolvePendingKeys(&chunk)
        assert(chunk.items.count <= chunkRecordCount)
        guard !chunk.items.isEmpty else { return end() }
        return .records(chunk)
    }

    /// The end: the outcome, with the log check when asked for — the rest of the log after what the reader
    /// verified, or all of it when the log could not be opened.
    private mutating func end() -> Chunk {
        ended = true
        if checksLog {
            outcome.logCheck = finished?.checkingRest() ?? verifyLog(directory: directory, storage: storage)
            finished = nil
        }
        return .end(outcome)
    }

    /// Gives the pending compact debits of `chunk` their keys, in log order: the known users' looked up together,
    /// each first sight then as the one-at-a-time path gives it (looked up again by its bytes, since an earlier
    /// debit of the batch may have just named the same user; else numbered and handed out with its id).
    private mutating func resolvePendingKeys(_ chunk: inout Records) {
        guard pendingCount > 0, userKeys != nil else { return }
        assert(pendingCount <= Self.keyBatchCount)
        let count = pendingCount
        pendingCount = 0
        var found: [Int32] = []
        swap(&found, &pendingKeys)  // written below while `self` is read
        defer { swap(&found, &pendingKeys) }
        pendingIDs.withUnsafeBufferPointer { ids in
            found.withUnsafeMutableBufferPointer { keys in
                userKeys!.existingKeys(
                    of: UnsafeBufferPointer(rebasing: ids[0..<count]),
                    into: UnsafeMutableBufferPointer(rebasing: keys[0..<count]))
            }
        }
        for index in 0..<count {
            let item = pendingItems[index]
            if found[index] >= 0 {
                chunk.items[item].userKey = found[index]
                continue
            }
            guard case .keyedDebit(let debit) = chunk.items[item].body else {
                preconditionFailure("a pending item is a keyed debit")
            }
            let bytes = pendingIDs[index].bytes
            if let known = bytes.withUnsafeBufferPointer({ userKeys!.existingKey(ofUTF8: $0) }) {
                chunk.items[item].userKey = known
                continue
            }
            let userID = String(decoding: bytes, as: UTF8.self)
            chunk.items[item].userKey = userKeys!.key(of: userID)
            chunk.items[item].body = .debit(debit.named(userID))
        }
    }

    /// Folds `items` (in log order) into the accounting journal, each record's user by its key when it has one.
    static func journal(_ records: Records, into accounting: inout AccountingVerifier) {
        let items = records.items
        for index in items.indices {  // By index: no copy of each item.
            let record: LedgerRecord
            switch items[index].body {
            case .debit(let debit):
                let time = Timestamp(millisecondsSinceEpoch: items[index].timeMs)
                let userKey = items[index].userKey
                if userKey >= 0 {
                    accounting.add(debit: debit, seq: Int64(items[index].seq), time: time, userSlot: Int(userKey))
                } else {
                    accounting.add(LedgerEntry(seq: Int64(items[index].seq), time: time, record: .debit(debit.record)))
                }
                continue
            case .keyedDebit(let debit):
                let time = Timestamp(millisecondsSinceEpoch: items[index].timeMs)
                accounting.add(
                    debit: debit, seq: Int64(items[index].seq), time: time, userSlot: Int(items[index].userKey))
                continue
            case .decoded(let body):
                guard case .success(let decoded) = records.bodies[body] else { continue }
                record = decoded
            }
            let entry = LedgerEntry(
                seq: Int64(items[index].seq), time: Timestamp(millisecondsSinceEpoch: items[index].timeMs),
                record: record)
            let userKey = items[index].userKey
            if userKey >= 0 {
                accounting.add(entry, userSlot: Int(userKey))
            } else {
                accounting.add(entry)
            }
        }
    }

    /// A stage between the reading thread and the consumer: on a thread of its own it folds the accounting journal
    /// of each chunk of `source` and hands the same chunk on (the array is shared, not copied), then ends with the
    /// journal's end-of-log answer in ``Outcome/accounting`` (``AccountingVerifier/keepingOnlyFinish()``). Holds at most `chunkCountMax` chunks beside the source's; stopping it
    /// stops the source.
    /// `expectedRecordCount` (an estimate) sizes the journal's per-debit table once.
    static func journaled(
        _ source: ReadAhead<Chunk>, name: String, chunkCountMax: Int, expectedRecordCount: Int = 0
    ) -> ReadAhead<Chunk> {
        ReadAhead(name: name, chunkCountMax: chunkCountMax) { push in
            defer { source.stop() }
            var accounting = AccountingVerifier()
            accounting.reserveCapacity(records: expectedRecordCount)
            while let chunk = source.next() {  // Bounded by the source's records.
                switch chunk {
                case .records(let records):
                    journal(records, into: &accounting)
                    guard push(chunk) else { return }
                case .end(var outcome):
                    // The journal's end-of-log half here, beside the verifier's last records; only its answer is
                    // handed on, and the journal's tables are freed on this thread after the hand-off
                    // (docs/engine.md).
                    accounting.finishJournal()
                    outcome.accounting = accounting.keepingOnlyFinish()
                    withExtendedLifetime(accounting) { _ = push(.end(outcome)) }
                    return
                }
            }
        }
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
