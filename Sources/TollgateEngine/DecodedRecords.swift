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

        /// A body as decoded: a debit without optional strings of a user who has a key as a ``KeyedDebit`` (a
        /// verified replay: `compactDebits` and user keys), every other record — the first debit of each user
        /// too — (or why it does not decode) as a ``LedgerRecord`` kept beside the items (``Records/bodies``).
        /// Nothing in an item is reference-counted: an item is copied, handed between threads and freed as plain
        /// bytes (a `.debit(CompactDebit)` case with the id's `String` had made every item's copy and destruction
        /// go through the value witnesses, ~0.8 % of a replay: docs/benchmarks.md `verify-reader`).
        enum Body: Sendable {
            /// The record (or its decoding error) is `bodies[index]` of the chunk: held apart because a
            /// `LedgerRecord` is many words where a debit item is a few, and every item is as large as the largest
            /// case — copying and touching those words per record was ~5 % of a verified replay.
            case decoded(index: Int)
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
    /// Compact debits whose keys are looked up at once (``UserKeys/existingKeys(of:into:)``): enough to overlap
    /// the table's cache misses, few enough that the ids stay in a few cache lines.
    static let keyBatchCount = 16

    /// Opens the log at `fromSeq`; `userKeys` numbers the records' users and `compactDebits` hands debits out as
    /// ``CompactDebit``s where they fit (both for a verified replay). `checksLog` ends with the log layer's check of
    /// the whole log in ``Outcome/logCheck`` (a verified replay; made on this thread after the last records).
    /// `prefetchesSealedBlocks`: sealed blocks are read and checked ahead on a thread of the log layer's own
    /// (``LogReader``'s prefetching: the concurrent verified replay; `storage` read from two threads).
    /// `expectedRecordCount` (an estimate) sizes the user keys' per-user arrays once.
    init(
        directory: String, storage: any LogStorage, fromSeq: Int64 = 1, until bound: Projection.Bound,
        chunkRecordCount: Int, userKeys: Bool = false, compactDebits: Bool = false, checksLog: Bool = false,
        prefetchesSealedBlocks: Bool = false, expectedRecordCount: Int = 0
    ) {
        precondition(fromSeq >= 1 && chunkRecordCount >= 1)
        self.directory = directory
        self.storage = storage
        self.checksLog = checksLog
        self.bound = bound
        self.compactDebits = compactDebits
        self.chunkRecordCount = chunkRecordCount
        if userKeys {
            var keys = UserKeys()
            keys.reserveCapacity(users: expectedRecordCount)  // At most one new user a record.
            self.userKeys = keys
        }
        do throws(LogError) {
            reader = try LogReader(
                directory: directory, fromSeq: UInt64(fromSeq), storage: storage,
                prefetchingSealedBlocks: prefetchesSealedBlocks)
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
        // The table in a local, so the closure below mutates it in place (no access through `self` per record).
        var keys = userKeys
        userKeys = nil
        defer { userKeys = keys }
        // A fold holds every body whole; a replay's bodies are mostly compact debits, the rest grows as needed.
        var chunk = Records(reservingItems: chunkRecordCount, bodies: compactDebits ? 0 : chunkRecordCount)
        var atBound = false
        // The bound as two integers compared per record (a switch over the enum per record before).
        var lastSeq = UInt64.max
        var lastTimeMs = Int64.max
        switch bound {
        case .end: break
        case .seq(let last): lastSeq = UInt64(clamping: last)
        case .time(let last): lastTimeMs = last.millisecondsSinceEpoch
        }
        let compactDebits = compactDebits
        let compactDebitTag = CompactDebit.typeTag  // Loaded once: a global's accessor was called per record.
        let chunkRecordCount = chunkRecordCount
        // The short ids of the compact debits not yet given their key (≤ ``keyBatchCount``, looked up together)
        // and where their items are: fixed scratch, written by index. Allocated per chunk rather than as a
        // stack allocation: the closure that one takes kept the debit decoding from being inlined into this one.
        let pending = UnsafeMutableBufferPointer<PendingKey>.allocate(capacity: Self.keyBatchCount)
        defer { pending.deallocate() }
        var pendingCount = 0
        do throws(LogError) {
            // Each body is decoded where the reader holds it (a view of its block: no copy of the body).
            // A batch of records per call, iterated here (no call per record); a record past the bound counts as
            // taken, as the record that fills the chunk does.
            let stopped = try active.withEachBatch { batch -> LogRecordBatch.Progress in
                var taken = 0
                var stops = false
                for record in batch {  // Bounded by the batch's records.
                    taken += 1
                    if record.seq > lastSeq || record.timeMs > lastTimeMs {
                        atBound = true
                        stops = true
                        break
                    }
                    // The id's bytes are checked only on the user's first sight (in `resolve` or `append`): an id
                    // equal to one that has a key was checked when it got it.
                    let keyed =
                        compactDebits && record.type == compactDebitTag
                        ? LedgerRecord.decodeKeyedDebit(bodyBytes: record.body, checkingUserID: false) : nil
                    // Nearly every record: a compact debit with a short user id, whose key is looked up later with
                    // a batch of them (the item is appended without it). The rest is kept out of line, so this
                    // loop stays small enough for the decoding above to be inlined into it.
                    if let (debit, userIDBytes) = keyed, keys != nil, userIDBytes.count <= UserKeys.shortIDBytesMax {
                        pending[pendingCount] = PendingKey(
                            id: UserKeys.shortID(UnsafeRawBufferPointer(userIDBytes)), item: chunk.items.count,
                            body: record.body)
                        pendingCount += 1
                        chunk.items.append(
                            Item(
                                seq: record.seq, timeMs: record.timeMs, typeTag: record.type,
                                body: .keyedDebit(debit), userKey: -1))
                        if pendingCount == Self.keyBatchCount {
                            Self.resolve(pending, count: pendingCount, keys: &keys!, chunk: &chunk)
                            pendingCount = 0
                        }
                    } else {
                        if pendingCount > 0 {  // Keys are given in order of first sight.
                            Self.resolve(pending, count: pendingCount, keys: &keys!, chunk: &chunk)
                            pendingCount = 0
                        }
                        Self.append(record, keyed: keyed, keys: &keys, to: &chunk)
                    }
                    if chunk.items.count >= chunkRecordCount {
                        stops = true
                        break
                    }
                }
                // The pending bodies are views of this batch: resolved before it is released.
                if pendingCount > 0 {
                    Self.resolve(pending, count: pendingCount, keys: &keys!, chunk: &chunk)
                    pendingCount = 0
                }
                return LogRecordBatch.Progress(recordCount: taken, stopped: stops)
            }
            // Stopped by a full chunk: read on from here next time (past the bound or at the end: never again).
            if stopped && !atBound { reader = active } else { finished = active }
        } catch {
            outcome.failure = error
            finished = active
        }
        assert(pendingCount == 0, "every batch resolves its pending keys")
        assert(chunk.items.count <= chunkRecordCount)
        guard !chunk.items.isEmpty else { return end() }
        return .records(chunk)
    }

    /// Appends any record but a compact debit with a short user id (``nextChunk()``'s common case): decoded whole,
    /// or `keyed` (the debit decoding's answer, when it was tried, its id's bytes not checked) with its key found
    /// by the id's bytes (no `String`) or, on the user's first sight, held whole with its id once the id is checked
    /// (one that is not an identifier is decoded whole: the decoding's error). Out of line: called for few records.
    @inline(never)
    private static func append(
        _ record: LogRecordView, keyed: (debit: KeyedDebit, userIDBytes: UnsafeBufferPointer<UInt8>)?,
        keys: inout UserKeys?, to chunk: inout Records
    ) {
        if let (debit, userIDBytes) = keyed {
            if let known = keys?.existingKey(ofUTF8: userIDBytes) {
                chunk.items.append(
                    Item(
                        seq: record.seq, timeMs: record.timeMs, typeTag: record.type, body: .keyedDebit(debit),
                        userKey: known))
                return
            }
            let userID = String(decoding: userIDBytes, as: UTF8.self)
            // A first sight: its id's bytes are checked here (the decoding left that to the reader).
            if Identifier.isValid(userID) {
                let userKey = keys?.key(of: userID) ?? -1
                chunk.append(
                    seq: record.seq, timeMs: record.timeMs, typeTag: record.type,
                    decoded: .success(.debit(debit.named(userID).record)), userKey: userKey)
                return
            }
        }
        let decoded = LedgerRecord.decode(typeTag: record.type, bodyBytes: record.body)
        var userKey: Int32 = -1
        // The record's user id is hashed here, once; the verifier and the journal use the key.
        if keys != nil, case .success(let ledgerRecord) = decoded, let userID = ledgerRecord.userID {
            userKey = keys!.key(of: userID)
        }
        chunk.append(seq: record.seq, timeMs: record.timeMs, typeTag: record.type, decoded: decoded, userKey: userKey)
    }

    /// A compact debit whose user's key is still to be looked up: the id (at most ``UserKeys/shortIDBytesMax``
    /// bytes, kept in its head words, not yet checked to be an identifier) and its item's index in the chunk.
    struct PendingKey {
        var id: UserKeys.ShortID
        var item: Int
        /// The record's body, a view of the reader's batch: valid until the batch is released (pending keys are
        /// resolved before that), for a first sight whose id turns out not to be an identifier.
        var body: UnsafeRawBufferPointer
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

    /// Gives the first `count` pending compact debits of `chunk` their keys, in log order: the known users' looked
    /// up together, each first sight then as the one-at-a-time path gives it (looked up again by its bytes, since
    /// an earlier debit of the batch may have just named the same user; else its id checked, numbered and held
    /// whole with its id). Every key is given to a checked id, so an id found equal to one needs no check.
    private static func resolve(
        _ pending: UnsafeMutableBufferPointer<PendingKey>, count: Int, keys: inout UserKeys, chunk: inout Records
    ) {
        assert(count > 0 && count <= keyBatchCount && count <= pending.count)
        withUnsafeTemporaryAllocation(of: UserKeys.ShortID.self, capacity: keyBatchCount) { ids in
            withUnsafeTemporaryAllocation(of: Int32.self, capacity: keyBatchCount) { found in
                for index in 0..<count { ids[index] = pending[index].id }
                keys.existingKeys(
                    of: UnsafeBufferPointer(rebasing: ids[0..<count]),
                    into: UnsafeMutableBufferPointer(rebasing: found[0..<count]))
                for index in 0..<count {
                    let item = pending[index].item
                    if found[index] >= 0 {
                        chunk.items[item].userKey = found[index]
                        continue
                    }
                    guard case .keyedDebit(let debit) = chunk.items[item].body else {
                        preconditionFailure("a pending item is a keyed debit")
                    }
                    let bytes = pending[index].id.bytes
                    if let known = bytes.withUnsafeBufferPointer({ keys.existingKey(ofUTF8: $0) }) {
                        chunk.items[item].userKey = known
                        continue
                    }
                    let userID = String(decoding: bytes, as: UTF8.self)
                    // A first sight: its id's bytes are checked now (the decoding left that to the reader); an id
                    // that is not an identifier is no user's: the record decodes whole, as the decoding's error.
                    guard Identifier.isValid(userID) else {
                        chunk.bodies.append(
                            LedgerRecord.decode(typeTag: chunk.items[item].typeTag, bodyBytes: pending[index].body))
                        chunk.items[item].body = .decoded(index: chunk.bodies.count - 1)
                        continue
                    }
                    chunk.items[item].userKey = keys.key(of: userID)
                    chunk.bodies.append(.success(.debit(debit.named(userID).record)))
                    chunk.items[item].body = .decoded(index: chunk.bodies.count - 1)
                }
            }
        }
    }

    /// Folds `items` (in log order) into the accounting journal, each record's user by its key when it has one.
    static func journal(_ records: Records, into accounting: inout AccountingVerifier) {
        let items = records.items
        for index in items.indices {  // By index: no copy of each item.
            let record: LedgerRecord
            switch items[index].body {
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
            _ = accounting.withReservedTableBytes {
                HugePages.advise($0, prefixSizeBytesMax: Replay.hugePageTablePrefixSizeBytes)
            }
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
