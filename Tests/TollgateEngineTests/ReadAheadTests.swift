import Foundation
import Testing
import TollgateLog

@testable import TollgateBilling
@testable import TollgateEngine

/// `ReadAhead` over `DecodedRecords`: records read and decoded on a second thread hand the consumer exactly what a
/// one-thread read gives, in order, whatever the chunk size and however far ahead the reader may run; stopping
/// early never hangs.
@Suite struct ReadAheadTests {
    typealias Record = (seq: Int64, timeMs: Int64, bytes: [UInt8], userKey: Int32)

    /// A decoded record as its canonical body bytes (its description holds dictionaries: no stable order).
    static func bytes(_ record: LedgerRecord) -> [UInt8] {
        var body: [UInt8] = []
        record.encodeBody(into: &body)
        return [record.typeTag] + body
    }

    /// One-thread reference: the records from `fromSeq` to the end, read and decoded in order.
    static func reference(_ directory: String, fromSeq: Int64) throws -> [Record] {
        var reader = try LogReader(directory: directory, fromSeq: UInt64(fromSeq))
        var records: [Record] = []
        while let record = try reader.next() {
            let body = try LedgerRecord.decode(typeTag: record.type, body: record.body).get()
            records.append((Int64(record.seq), record.timeMs, bytes(body), -1))
        }
        return records
    }

    static func records(_ records: DecodedRecords.Records) throws -> [Record] {
        try records.items.indices.map { index in
            let item = records.items[index]
            return (Int64(item.seq), item.timeMs, bytes(try records.decoded(at: index).get()), item.userKey)
        }
    }

    /// Everything the read-ahead hands out up to `.end`, then stops it.
    static func drain(_ readAhead: ReadAhead<DecodedRecords.Chunk>) throws -> (
        records: [Record], outcome: DecodedRecords.Outcome?
    ) {
        defer { readAhead.stop() }
        var records: [Record] = []
        while let chunk = readAhead.next() {
            switch chunk {
            case .records(let chunk):
                #expect(!chunk.items.isEmpty)
                records += try Self.records(chunk)
            case .end(let outcome): return (records, outcome)
            }
        }
        return (records, nil)
    }

    static func readAhead(
        _ directory: String, fromSeq: Int64 = 1, until bound: Projection.Bound = .end, chunkRecordCount: Int,
        chunkCountMax: Int, userKeys: Bool = false
    ) -> ReadAhead<DecodedRecords.Chunk> {
        DecodedRecords.readAhead(name: "test-read-ahead", chunkCountMax: chunkCountMax) {
            DecodedRecords(
                directory: directory, storage: PosixStorage.shared, fromSeq: fromSeq, until: bound,
                chunkRecordCount: chunkRecordCount, userKeys: userKeys)
        }
    }

    static func filledLog(count: Int) throws -> TemporaryDirectory {
        let directory = TemporaryDirectory()
        let configuration = SnapshotTests.snapshotConfiguration(directory, interval: 0)
        try SnapshotTests.fill(configuration, seed: 5, count: count)
        return directory
    }

    @Test(arguments: [(1, 1), (7, 2), (64, 1), (4096, 32)])
    func handsOverWhatAOneThreadReadGives(chunkRecordCount: Int, chunkCountMax: Int) throws {
        let directory = try Self.filledLog(count: 500)
        for fromSeq: Int64 in [1, 2, 250, 499, 500, 501, 10_000] {
            let expected = try Self.reference(directory.path, fromSeq: fromSeq)
            let readAhead = Self.readAhead(
                directory.path, fromSeq: fromSeq, chunkRecordCount: chunkRecordCount, chunkCountMax: chunkCountMax)
            let (records, outcome) = try Self.drain(readAhead)
            let end = try #require(outcome)
            #expect(end.failure == nil)
            #expect(records.allSatisfy { $0.userKey == -1 })  // Not asked for.
            #expect(records.map(\.seq) == expected.map(\.seq), "from \(fromSeq)")
            #expect(records.map(\.timeMs) == expected.map(\.timeMs))
            #expect(records.map(\.bytes) == expected.map(\.bytes))
        }
    }

    /// The same chunks pulled on the caller's thread (the simulator's path) and through the read-ahead.
    @Test func readAheadGivesTheChunksOfTheDirectSource() throws {
        let directory = try Self.filledLog(count: 300)
        var direct = DecodedRecords(
            directory: directory.path, storage: PosixStorage.shared, until: .seq(250), chunkRecordCount: 16,
            userKeys: true)
        var directChunks: [[Record]] = []
        var directOutcome: DecodedRecords.Outcome?
        while directOutcome == nil {
            switch direct.nextChunk() {
            case .records(let items): directChunks.append(try Self.records(items))
            case .end(let outcome): directOutcome = outcome
            }
        }
        let readAhead = Self.readAhead(
            directory.path, until: .seq(250), chunkRecordCount: 16, chunkCountMax: 3, userKeys: true)
        var chunks: [[Record]] = []
        var outcome: DecodedRecords.Outcome?
        while outcome == nil, let chunk = readAhead.next() {
            switch chunk {
            case .records(let items): chunks.append(try Self.records(items))
            case .end(let end): outcome = end
            }
        }
        readAhead.stop()
        #expect(chunks.map { $0.map(\.seq) } == directChunks.map { $0.map(\.seq) })
        #expect(chunks.count == 16)  // 15 × 16 + 10
        #expect(outcome?.failure == nil && directOutcome?.failure == nil)
        let keys = chunks.flatMap { $0.map(\.userKey) }
        #expect(keys == directChunks.flatMap { $0.map(\.userKey) })
        // Dense, in order of first sight, one per user id; -1 for records without a user.
        var expected: [String: Int32] = [:]
        let log = try Self.reference(directory.path, fromSeq: 1).prefix(250)
        for (record, key) in zip(log, keys) {
            guard case .success(let decoded) = LedgerRecord.decode(typeTag: record.bytes[0], body: record.bytes.dropFirst()),
                let userID = decoded.userID
            else {
                #expect(key == -1)
                continue
            }
            let known = expected[userID] ?? Int32(expected.count)
            expected[userID] = known
            #expect(key == known, "seq \(record.seq)")
        }
        #expect(!expected.isEmpty)
    }

    @Test func stopsAtTheBound() throws {
        let directory = try Self.filledLog(count: 300)
        let all = try Self.reference(directory.path, fromSeq: 1)
        let (records, outcome) = try Self.drain(
            Self.readAhead(directory.path, fromSeq: 10, until: .seq(123), chunkRecordCount: 16, chunkCountMax: 2))
        #expect(outcome?.failure == nil)
        #expect(records.map(\.seq) == Array(10...123))
        let timeBound = Timestamp(millisecondsSinceEpoch: all[200].timeMs)
        let timed = try Self.drain(
            Self.readAhead(directory.path, until: .time(timeBound), chunkRecordCount: 4096, chunkCountMax: 32))
        #expect(timed.records.map(\.seq) == all.filter { $0.timeMs <= all[200].timeMs }.map(\.seq))
    }

    /// The consumer leaves with the producer blocked on a full hand-off: `stop()` returns (no hang, no leak).
    @Test func stoppingEarlyReleasesTheProducer() throws {
        let directory = try Self.filledLog(count: 300)
        let readAhead = Self.readAhead(directory.path, chunkRecordCount: 3, chunkCountMax: 1)
        guard case .records(let first) = readAhead.next() else {
            Issue.record("no first chunk")
            readAhead.stop()
            return
        }
        #expect(first.items.map(\.seq) == [1, 2, 3])
        readAhead.stop()
        let untouched = Self.readAhead(directory.path, chunkRecordCount: 1, chunkCountMax: 1)
        untouched.stop()
    }

    /// The queue itself: chunks in the order pushed, never more than the bound waiting, nil after the producer.
    @Test(arguments: [1, 2, 5])
    func queueHandsOverInOrderWithinTheBound(chunkCountMax: Int) {
        let readAhead = ReadAhead<Int>(name: "test-queue", chunkCountMax: chunkCountMax) { push in
            for value in 0..<100 { guard push(value) else { return } }
        }
        var values: [Int] = []
        while let value = readAhead.next() { values.append(value) }
        #expect(values == Array(0..<100))
        #expect(readAhead.next() == nil)
        readAhead.stop()
        let refused = ReadAhead<Int>(name: "test-queue", chunkCountMax: chunkCountMax) { push in
            // Pushes until refused: only `stop()` ends this producer.
            var pushed = 0
            while push(pushed) { pushed += 1 }
        }
        #expect(refused.next() == 0)
        refused.stop()
        #expect(refused.next() == nil)
    }

    /// The producer of a full queue sleeps until the consumer has drained it to `resumeChunkCount` and is woken
    /// then (not at every take): with any bound, a consumer mixing `nextIfReady()` and `next()` gets every chunk
    /// in order, none lost to a missed wake-up (which would hang here), and never more than the bound ahead.
    @Test(arguments: [1, 2, 3, 8])
    func producerResumesInBurstsWithoutLosingAWakeUp(chunkCountMax: Int) {
        final class Counts: @unchecked Sendable {
            let lock = NSLock()
            var taken = 0
            var aheadMax = 0
        }
        let counts = Counts()
        let readAhead = ReadAhead<Int>(name: "test-burst", chunkCountMax: chunkCountMax) { push in
            for value in 0..<1_000 {
                guard push(value) else { return }
                counts.lock.lock()
                counts.aheadMax = max(counts.aheadMax, value + 1 - counts.taken)
                counts.lock.unlock()
            }
        }
        #expect(readAhead.resumeChunkCount == chunkCountMax / 2)
        var values: [Int] = []
        var useReady = false
        while values.count < 1_000 {  // Bounded: 1,000 values, each taken once.
            let value = useReady ? readAhead.nextIfReady() : readAhead.next()
            useReady.toggle()
            guard let value else { continue }
            values.append(value)
            counts.lock.lock()
            counts.taken += 1
            counts.lock.unlock()
        }
        #expect(values == Array(0..<1_000))
        #expect(readAhead.next() == nil)
        readAhead.stop()
        // Pushed but not yet taken, at most the bound (+1: the count is read after the push returns).
        counts.lock.lock()
        defer { counts.lock.unlock() }
        #expect(counts.aheadMax <= chunkCountMax + 1)
    }

    /// A damaged record: the records before it, then the failure; a one-thread load reports the same error.
    @Test func damagedLogEndsInTheSameError() throws {
        let directory = TemporaryDirectory()
        let configuration = SnapshotTests.snapshotConfiguration(directory, interval: 0, segmentSizeBytes: 1 << 20)
        try SnapshotTests.fill(configuration, seed: 6, count: 200)
        let segment = try #require(
            try FileManager.default.contentsOfDirectory(atPath: directory.path).first { $0.hasSuffix(".log") })
        let path = directory.path + "/" + segment
        var bytes = try #require(FileManager.default.contents(atPath: path))
        bytes[bytes.count / 2] ^= 0x40
        try bytes.write(to: URL(fileURLWithPath: path))
        let (records, outcome) = try Self.drain(
            Self.readAhead(directory.path, chunkRecordCount: 5, chunkCountMax: 2))
        #expect(records.map(\.seq) == Array(1...Int64(records.count)))
        let end = try #require(outcome)
        let failure = try #require(end.failure)
        #expect(!end.failedOpening)
        #expect(records.count > 0 && records.count < 200)
        // Projection.load (read ahead on real files) fails with the one-thread loop's message.
        do throws(EngineError) {
            _ = try Projection.load(directory: directory.path, billing: configuration.billing, useSnapshots: false)
            Issue.record("a damaged log loaded")
        } catch {
            #expect(error.code == .log)
            #expect(error.message == "reading the log failed: \(failure)")
        }
    }
}
