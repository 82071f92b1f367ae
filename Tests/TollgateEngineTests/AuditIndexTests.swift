import Foundation
import Testing
import TollgateBilling
import TollgateEngine
import TollgateLog

/// The audit index answers exactly like the scan, and is never trusted when its checksum or its segment is off.
@Suite struct AuditIndexTests {
    /// The fixture log copied into small segments (3 records per batch, 512-byte segments), so most are sealed.
    static func segmentedCopy() throws -> TemporaryDirectory {
        let directory = TemporaryDirectory()
        var reader = try LogReader(directory: ReplayFixture.logDirectory)
        let log = try Log.open(
            directory: directory.path, configuration: LogConfiguration(segmentSizeBytes: 512, durability: .none))
        var batch: [RecordInput] = []
        while let record = try reader.next() {
            batch.append(RecordInput(timeMs: record.timeMs, type: record.type, body: record.body))
            if batch.count == 3 {
                _ = try log.append(batch)
                batch.removeAll()
            }
        }
        if !batch.isEmpty { _ = try log.append(batch) }
        try log.close()
        return directory
    }

    static func time(_ text: String) -> Timestamp { Timestamp(rfc3339: text)! }

    static let queries: [AuditQuery] = {
        var queries: [AuditQuery] = []
        for initiator in ["ops@acme", "support@acme", "admin@acme", "system", "billing@acme", "nobody"] {
            for order in AuditQuery.Order.allCases {
                for limit in [1, 2, 3, 100] {
                    queries.append(AuditQuery(initiatedBy: initiator, limit: limit, order: order))
                }
                queries.append(
                    AuditQuery(
                        initiatedBy: initiator, from: time("2026-03-01T09:00:00Z"), to: time("2026-03-02T13:01:00Z"),
                        limit: 2, order: order))
            }
        }
        return queries
    }()

    static func same(_ a: AuditQuery.Result, _ b: AuditQuery.Result) -> Bool {
        a.json(initiatedBy: "").rendered == b.json(initiatedBy: "").rendered
    }

    @Test func indexedAnswersEqualTheScanWithAndWithoutIndexFiles() throws {
        let directory = try Self.segmentedCopy()
        let store = AuditIndexStore(directory: directory.path)
        let sealedCount = try store.segments().filter(\.isSealed).count
        #expect(sealedCount >= 5)
        for query in Self.queries {
            let (unindexed, use) = try query.runIndexed(directory: directory.path)
            #expect(Self.same(unindexed, try query.run(directory: directory.path)))
            #expect(use.indexedSegmentCount == 0 && use.warnings.isEmpty)
        }
        let lines = try store.refresh()
        // Every sealed segment's index and the active segment's sidecar (the log was written without a writer).
        #expect(lines.count == sealedCount + 1 && lines.allSatisfy { $0.action == "built" })
        #expect(try store.refresh().allSatisfy { $0.action == "valid" })
        for query in Self.queries {
            let scanned = try query.run(directory: directory.path)
            let (indexed, use) = try query.runIndexed(directory: directory.path)
            #expect(Self.same(indexed, scanned), "\(query)")
            #expect(use.warnings.isEmpty)
        }
        // The first page newest-first reads only the tail of the log.
        let (_, use) = try AuditQuery(initiatedBy: "ops@acme", limit: 1).runIndexed(directory: directory.path)
        #expect(use.indexedSegmentCount + use.scannedSegmentCount < sealedCount)
    }

    @Test func aCorruptIndexIsRejectedAndRebuilt() throws {
        let directory = try Self.segmentedCopy()
        let store = AuditIndexStore(directory: directory.path)
        _ = try store.refresh()
        let segment = try #require(try store.segments().first(where: \.isSealed))
        let path = store.indexDirectory + "/" + segment.name + AuditIndex.fileSuffix
        var bytes = ReplayFixture.bytes(path)
        bytes[bytes.count / 2] ^= 0x40
        try ReplayFixture.write(path, bytes)
        #expect(try store.load(segment) == .failure(.corrupt))
        let query = AuditQuery(initiatedBy: "admin@acme", order: .oldest)
        let (indexed, use) = try query.runIndexed(directory: directory.path)
        #expect(Self.same(indexed, try query.run(directory: directory.path)))
        #expect(use.warnings.count == 1)
        let lines = try store.refresh()
        #expect(lines.first { $0.name == segment.name }?.action == "built")
        #expect(try store.load(segment).map(\.baseSeq) == .success(segment.baseSeq))
    }

    /// An intact index file put in place of another segment's (or left from a segment since replaced) is refused.
    @Test func anIndexOfAnotherSegmentIsRejected() throws {
        let directory = try Self.segmentedCopy()
        let store = AuditIndexStore(directory: directory.path)
        _ = try store.refresh()
        let sealed = try store.segments().filter(\.isSealed)
        let first = store.indexDirectory + "/" + sealed[0].name + AuditIndex.fileSuffix
        let second = store.indexDirectory + "/" + sealed[1].name + AuditIndex.fileSuffix
        try ReplayFixture.write(second, ReplayFixture.bytes(first))
        #expect(try store.load(sealed[1]) == .failure(.otherSegment))
        // The same segment name whose file bytes changed: the fingerprint no longer matches.
        let segmentPath = directory.path + "/" + sealed[0].name
        var segmentBytes = ReplayFixture.bytes(segmentPath)
        segmentBytes[segmentBytes.count - 1] ^= 0x01
        try ReplayFixture.write(segmentPath, segmentBytes)
        #expect(try store.load(sealed[0]) == .failure(.otherSegment))
    }

    @Test func indexFilesRoundTripAndRejectTruncation() {
        let index = AuditIndex(
            segmentName: "00000000000000000001.log.lz4", segmentSizeBytes: 99, segmentChecksum: 7, baseSeq: 1,
            lastSeq: 9, postings: ["a": [.init(seq: 2, timeMs: 5), .init(seq: 4, timeMs: 6)], "b@x": [.init(seq: 9, timeMs: 7)]])
        let bytes = index.encoded()
        #expect(AuditIndex.decode(bytes, segmentName: index.segmentName) == index)
        for cut in [1, 4, 17, bytes.count - 1] {
            #expect(AuditIndex.decode(Array(bytes.prefix(bytes.count - cut)), segmentName: index.segmentName) == nil)
        }
    }
}
