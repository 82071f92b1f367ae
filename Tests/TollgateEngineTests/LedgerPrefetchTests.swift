import Foundation
import Testing
import TollgateLog

@testable import TollgateBilling
@testable import TollgateEngine

/// `LedgerPrefetch`: records read and decoded on a second thread hand the fold exactly what a one-thread read
/// gives, in order, whatever the chunk size and however far ahead the reader may run; stopping early never hangs.
@Suite struct LedgerPrefetchTests {
    /// A decoded record as its canonical body bytes (its description holds dictionaries: no stable order).
    static func bytes(_ record: LedgerRecord) -> [UInt8] {
        var body: [UInt8] = []
        record.encodeBody(into: &body)
        return [record.typeTag] + body
    }

    /// One-thread reference: the records from `fromSeq` to the end, read and decoded in order.
    static func reference(_ directory: String, fromSeq: Int64) throws -> [(Int64, Int64, [UInt8])] {
        var reader = try LogReader(directory: directory, fromSeq: UInt64(fromSeq))
        var records: [(Int64, Int64, [UInt8])] = []
        while let record = try reader.next() {
            let body = try LedgerRecord.decode(typeTag: record.type, body: record.body).get()
            records.append((Int64(record.seq), record.timeMs, bytes(body)))
        }
        return records
    }

    static func drain(_ prefetch: LedgerPrefetch) -> (records: [(Int64, Int64, [UInt8])], ended: Bool) {
        var records: [(Int64, Int64, [UInt8])] = []
        while true {
            switch prefetch.next() {
            case .records(let items):
                records += items.map { ($0.seq, $0.time.millisecondsSinceEpoch, bytes($0.record)) }
            case .failure: return (records, false)
            case .end: return (records, true)
            }
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
            let prefetch = LedgerPrefetch(
                directory: directory.path, fromSeq: fromSeq, bound: .end, chunkRecordCount: chunkRecordCount,
                chunkCountMax: chunkCountMax)
            let (records, ended) = Self.drain(prefetch)
            prefetch.finish()
            #expect(ended)
            #expect(records.map(\.0) == expected.map(\.0), "from \(fromSeq)")
            #expect(records.map(\.1) == expected.map(\.1))
            #expect(records.map(\.2) == expected.map(\.2))
        }
    }

    @Test func stopsAtTheBound() throws {
        let directory = try Self.filledLog(count: 300)
        let all = try Self.reference(directory.path, fromSeq: 1)
        let prefetch = LedgerPrefetch(
            directory: directory.path, fromSeq: 10, bound: .seq(123), chunkRecordCount: 16, chunkCountMax: 2)
        let (records, ended) = Self.drain(prefetch)
        prefetch.finish()
        #expect(ended)
        #expect(records.map(\.0) == Array(10...123))
        let timeBound = Timestamp(millisecondsSinceEpoch: all[200].1)
        let byTime = LedgerPrefetch(directory: directory.path, fromSeq: 1, bound: .time(timeBound))
        let timed = Self.drain(byTime)
        byTime.finish()
        #expect(timed.records.map(\.0) == all.filter { $0.1 <= all[200].1 }.map(\.0))
    }

    /// The consumer leaves with the reader blocked on a full hand-off: `finish()` returns (no hang, no leak).
    @Test func finishingEarlyReleasesTheReader() throws {
        let directory = try Self.filledLog(count: 300)
        let prefetch = LedgerPrefetch(
            directory: directory.path, fromSeq: 1, bound: .end, chunkRecordCount: 3, chunkCountMax: 1)
        guard case .records(let first) = prefetch.next() else {
            Issue.record("no first chunk")
            return
        }
        #expect(first.map(\.seq) == [1, 2, 3])
        prefetch.finish()
        let untouched = LedgerPrefetch(directory: directory.path, fromSeq: 1, bound: .end, chunkRecordCount: 1, chunkCountMax: 1)
        untouched.finish()
    }

    /// A damaged record: the records before it, then the same error a one-thread load reports.
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
        let prefetch = LedgerPrefetch(
            directory: directory.path, fromSeq: 1, bound: .end, chunkRecordCount: 5, chunkCountMax: 2)
        var lastSeq: Int64 = 0
        var failure: EngineError?
        loop: while true {
            switch prefetch.next() {
            case .records(let items):
                for item in items {
                    #expect(item.seq == lastSeq + 1)
                    lastSeq = item.seq
                }
            case .failure(let error, _):
                failure = error
                break loop
            case .end: break loop
            }
        }
        prefetch.finish()
        let error = try #require(failure)
        #expect(error.code == .log)
        #expect(lastSeq > 0 && lastSeq < 200)
        // Projection.load (prefetched on real files) fails the same way.
        #expect(throws: EngineError.self) {
            _ = try Projection.load(directory: directory.path, billing: configuration.billing, useSnapshots: false)
        }
    }
}
