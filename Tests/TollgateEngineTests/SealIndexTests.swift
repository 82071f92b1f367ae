import Foundation
import Testing
import TollgateBilling
import TollgateEngine
import TollgateLog

/// The writer indexes what the log seals: after a commit that sealed segments, and at open for sealed segments
/// left without an index. A failure to write an index is a warning, never a failed append.
@Suite struct SealIndexTests {
    /// Grants by two initiators (so there is something to find) between debits, in separate commits so that the
    /// 512-byte segments roll many times.
    static func appendSome(_ engine: Engine, rounds: Int) throws {
        for round in 0..<rounds {
            let initiator = round % 3 == 0 ? "ops@acme" : "support@acme"
            let input = [
                #"{"op":"grant","user_id":"u\#(round % 4)","amount":10,"initiated_by":"\#(initiator)"}"#,
                #"{"op":"debit","user_id":"u\#(round % 4)","amount":1}"#,
                #"{"op":"debit","user_id":"u\#(round % 4)","amount":1}"#,
            ].map { Array($0.utf8) }
            _ = try engine.apply(lines: input)
        }
    }

    static let queries: [AuditQuery] = ["ops@acme", "support@acme", "nobody"].flatMap { initiator in
        AuditQuery.Order.allCases.flatMap { order in
            [1, 2, 5, 100].map { AuditQuery(initiatedBy: initiator, limit: $0, order: order) }
        }
    }

    static func same(_ a: AuditQuery.Result, _ b: AuditQuery.Result) -> Bool {
        a.json(initiatedBy: "").rendered == b.json(initiatedBy: "").rendered
    }

    static func indexFileNames(_ store: AuditIndexStore) -> Set<String> {
        Set(((try? FileManager.default.contentsOfDirectory(atPath: store.indexDirectory)) ?? []))
    }

    @Test func sealedSegmentsAreIndexedByTheWriter() throws {
        let directory = TemporaryDirectory()
        let engine = try Engine(configuration: configuration(directory, segmentSizeBytes: 512), clock: fixedClock)
        try Self.appendSome(engine, rounds: 40)
        let store = AuditIndexStore(directory: directory.path)
        let sealed = try store.segments().filter(\.isSealed)
        #expect(sealed.count >= 5)
        // Every sealed segment has a valid index, written while appending (not by `tollgate index`).
        for segment in sealed {
            #expect(try store.load(segment).map(\.baseSeq) == .success(segment.baseSeq), "\(segment.name)")
        }
        // Plus the active segment's sidecar (ActiveAuditIndexTests); no sidecar of a sealed segment is left.
        let active = try #require(try store.segments().last)
        #expect(
            Self.indexFileNames(store)
                == Set(sealed.map { $0.name + AuditIndex.fileSuffix } + [active.name + AuditIndex.fileSuffix]))
        #expect(try store.refresh().allSatisfy { $0.action == "valid" })
        for query in Self.queries {
            let (indexed, use) = try query.runIndexed(directory: directory.path)
            #expect(Self.same(indexed, try query.run(directory: directory.path)), "\(query)")
            #expect(use.warnings.isEmpty)
        }
        let (_, use) = try AuditQuery(initiatedBy: "ops@acme", limit: 100, order: .oldest)
            .runIndexed(directory: directory.path)
        #expect(use.indexedSegmentCount == sealed.count + 1 && use.scannedSegmentCount == 0)
        try engine.close()
    }

    @Test func openIndexesTheNewestUnindexedSealedSegmentsBounded() throws {
        let directory = TemporaryDirectory()
        do {
            let engine = try Engine(configuration: configuration(directory, segmentSizeBytes: 512), clock: fixedClock)
            try Self.appendSome(engine, rounds: 40)
            try engine.close()
        }
        let store = AuditIndexStore(directory: directory.path)
        let sealed = try store.segments().filter(\.isSealed)
        try FileManager.default.removeItem(atPath: store.indexDirectory)
        let engine = try Engine(configuration: configuration(directory, segmentSizeBytes: 512), clock: fixedClock)
        // Bounded work at open: the newest sealed segments, not the whole history.
        let newest = sealed.suffix(AuditIndexStore.sealIndexCountMaxDefault).map { $0.name + AuditIndex.fileSuffix }
        #expect(Self.indexFileNames(store) == Set(newest))
        for query in Self.queries {
            #expect(Self.same(try query.runIndexed(directory: directory.path).result, try query.run(directory: directory.path)))
        }
        try engine.close()
    }

    @Test func aFailureToWriteTheIndexNeverFailsAnAppend() throws {
        let directory = TemporaryDirectory()
        let warnings = WarningSink()
        var config = configuration(directory, segmentSizeBytes: 512)
        config.warningHandler = { warnings.append($0) }
        // A plain file where the index directory belongs: no index (nor the active segment's sidecar) can be written.
        let store = AuditIndexStore(directory: directory.path)
        try FileManager.default.createDirectory(atPath: directory.path, withIntermediateDirectories: true)
        #expect(FileManager.default.createFile(atPath: store.indexDirectory, contents: Data("x".utf8)))
        let engine = try Engine(configuration: config, clock: fixedClock)
        try Self.appendSome(engine, rounds: 40)
        #expect(engine.nextSeq == 121)
        #expect(try store.segments().filter(\.isSealed).count >= 5)
        #expect(!warnings.lines.isEmpty && warnings.lines.allSatisfy { $0.hasPrefix("audit index not written") || $0.hasPrefix("audit sidecar not started") })
        for query in Self.queries {
            let (indexed, use) = try query.runIndexed(directory: directory.path)
            #expect(Self.same(indexed, try query.run(directory: directory.path)))
            #expect(use.indexedSegmentCount == 0)
        }
        try engine.close()
    }

    @Test func aCorruptIndexWrittenBySealingFallsBackToTheScan() throws {
        let directory = TemporaryDirectory()
        let engine = try Engine(configuration: configuration(directory, segmentSizeBytes: 512), clock: fixedClock)
        try Self.appendSome(engine, rounds: 40)
        try engine.close()
        let store = AuditIndexStore(directory: directory.path)
        let sealed = try store.segments().filter(\.isSealed)
        let path = store.indexDirectory + "/" + sealed[sealed.count - 1].name + AuditIndex.fileSuffix
        var bytes = [UInt8](try #require(FileManager.default.contents(atPath: path)))
        bytes[bytes.count / 2] ^= 0x40
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        for query in Self.queries {
            let (indexed, use) = try query.runIndexed(directory: directory.path)
            #expect(Self.same(indexed, try query.run(directory: directory.path)), "\(query)")
            #expect(use.warnings.count <= 1)
        }
        let (_, use) = try AuditQuery(initiatedBy: "ops@acme", order: .oldest).runIndexed(directory: directory.path)
        #expect(use.warnings.count == 1)
    }
}

/// Collects warnings from the engine's handler (called on the writer's thread).
final class WarningSink: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [String] = []
    func append(_ line: String) { lock.withLock { stored.append(line) } }
    var lines: [String] { lock.withLock { stored } }
}
