import Foundation
import Testing
import TollgateBilling
import TollgateEngine
import TollgateLog

/// The raw active segment's audit sidecar: written by the writer after each commit, used by `audit` only as far as
/// the log confirms it, and never changing an answer — the same bytes as the plain scan (`--no-index`) on live,
/// closed, crashed and tampered logs.
@Suite struct ActiveAuditIndexTests {
    static let queries: [AuditQuery] = ["ops@acme", "support@acme", "nobody"].flatMap { initiator in
        AuditQuery.Order.allCases.flatMap { order in
            [1, 2, 5, 100].map { AuditQuery(initiatedBy: initiator, limit: $0, order: order) }
        }
            + [
                AuditQuery(
                    initiatedBy: initiator, from: Timestamp(millisecondsSinceEpoch: 1_772_355_600_000 + 20_000),
                    to: Timestamp(millisecondsSinceEpoch: 1_772_355_600_000 + 60_000), limit: 3)
            ]
    }

    /// Grants by two initiators between debits, one commit per round, each at its own time.
    static func appendSome(_ engine: Engine, rounds: Range<Int>, debitCount: Int = 2) throws {
        for round in rounds {
            let initiator = round % 3 == 0 ? "ops@acme" : "support@acme"
            let at = Timestamp(millisecondsSinceEpoch: 1_772_355_600_000 + Int64(round) * 1_000).rfc3339
            var input = [
                #"{"op":"grant","user_id":"u\#(round % 4)","amount":10,"initiated_by":"\#(initiator)","at":"\#(at)"}"#
            ]
            for _ in 0..<debitCount { input.append(#"{"op":"debit","user_id":"u\#(round % 4)","amount":1,"at":"\#(at)"}"#) }
            _ = try engine.apply(lines: input.map { Array($0.utf8) })
        }
    }

    /// Indexed answers equal the scan's, and every query used the index alone: no segment scanned, no warning.
    static func expectServedByIndexAlone(
        _ directory: TemporaryDirectory, _ comment: Comment? = nil, sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        for use in try expectSameAsScan(directory, sourceLocation: sourceLocation) {
            #expect(use.scannedSegmentCount == 0 && use.warnings.isEmpty, comment, sourceLocation: sourceLocation)
        }
    }

    /// Every query answers like the plain scan; returns the index use of each.
    @discardableResult
    static func expectSameAsScan(_ directory: TemporaryDirectory, sourceLocation: SourceLocation = #_sourceLocation)
        throws -> [AuditQuery.IndexUse]
    {
        var uses: [AuditQuery.IndexUse] = []
        for query in queries {
            let (indexed, use) = try query.runIndexed(directory: directory.path)
            let scanned = try query.run(directory: directory.path)
            #expect(
                indexed.json(initiatedBy: "").rendered == scanned.json(initiatedBy: "").rendered, "\(query)",
                sourceLocation: sourceLocation)
            uses.append(use)
        }
        return uses
    }

    static func rawSegment(_ directory: TemporaryDirectory) throws -> SegmentFileName {
        try #require(try AuditIndexStore(directory: directory.path).segments().last.flatMap { $0.isSealed ? nil : $0 })
    }

    static func sidecarPath(_ directory: TemporaryDirectory) throws -> String {
        AuditIndexStore(directory: directory.path).indexDirectory + "/" + (try rawSegment(directory)).name + ".audit"
    }

    /// Pipelined commits (`apply`'s path): batches handed to the committer while earlier ones sync, several often
    /// durable at once — each batch's postings must still land at its own position.
    @Test func pipelinedCommitsPostEveryBatchAtItsOwnPosition() throws {
        let directory = TemporaryDirectory()
        let engine = try Engine(configuration: configuration(directory, segmentSizeBytes: 4096), clock: fixedClock)
        var tickets: [Engine.CommitTicket] = []
        for round in 0..<150 {
            let initiator = round % 3 == 0 ? "ops@acme" : "support@acme"
            let at = Timestamp(millisecondsSinceEpoch: 1_772_355_600_000 + Int64(round) * 1_000).rfc3339
            var lines = [
                #"{"op":"grant","user_id":"u\#(round % 4)","amount":10,"initiated_by":"\#(initiator)","at":"\#(at)"}"#
            ]
            for _ in 0..<(round % 4) { lines.append(#"{"op":"debit","user_id":"u\#(round % 4)","amount":1,"at":"\#(at)"}"#) }
            for line in lines {
                guard case .success(let command) = CommandParser.parse(Array(line.utf8)) else {
                    Issue.record("unparsable \(line)")
                    return
                }
                _ = try engine.stage(command)
            }
            tickets.append(try engine.commitAsync())
            // Wait only now and then, so that several batches become durable between two waits.
            if round % 7 == 6 { try engine.waitDurable(tickets.removeFirst()) }
        }
        for ticket in tickets { try engine.waitDurable(ticket) }
        try Self.expectServedByIndexAlone(directory)
        try engine.close()
        try Self.expectServedByIndexAlone(directory)
    }

    @Test func theWritersSidecarServesTheActiveSegmentWithoutAScan() throws {
        let directory = TemporaryDirectory()
        let engine = try Engine(configuration: configuration(directory, segmentSizeBytes: 4096), clock: fixedClock)
        try Self.appendSome(engine, rounds: 0..<120)
        let store = AuditIndexStore(directory: directory.path)
        #expect(try store.segments().filter(\.isSealed).count >= 3)
        #expect(FileManager.default.fileExists(atPath: try Self.sidecarPath(directory)))
        // Only the active segment's sidecar: those of sealed segments were replaced by their sealed index.
        let sidecars = try FileManager.default.contentsOfDirectory(atPath: store.indexDirectory)
            .filter { $0.hasSuffix(".log.audit") }
        #expect(sidecars == [try Self.rawSegment(directory).name + ".audit"])
        // While the writer is open (its last commit marked, as every commit with postings is) and after close.
        try Self.expectServedByIndexAlone(directory)
        try Self.appendSome(engine, rounds: 120..<125, debitCount: 0)
        try engine.close()
        try Self.expectServedByIndexAlone(directory)
    }

    @Test func commitsWithoutPostingsAreCoveredByTheScanAfterTheNewestMark() throws {
        let directory = TemporaryDirectory()
        let engine = try Engine(configuration: configuration(directory), clock: fixedClock)
        try Self.appendSome(engine, rounds: 0..<10)
        // Debits only: no postings, so no new mark (less than a MiB of log): audit scans them after the last mark.
        for _ in 0..<5 { _ = try engine.apply(lines: [Array(#"{"op":"debit","user_id":"u1","amount":1}"#.utf8)]) }
        try Self.expectServedByIndexAlone(directory)
        try engine.close()
        // Reopened: the writer resumes the sidecar from its newest mark the log confirms.
        let reopened = try Engine(configuration: configuration(directory), clock: fixedClock)
        try Self.appendSome(reopened, rounds: 10..<20)
        try Self.expectServedByIndexAlone(directory)
        try reopened.close()
    }

    @Test func aSidecarAheadOfACrashTruncatedLogIsCutBackAndResumed() throws {
        let directory = TemporaryDirectory()
        let engine = try Engine(configuration: configuration(directory), clock: fixedClock)
        try Self.appendSome(engine, rounds: 0..<30)
        let segmentPath = directory.path + "/" + (try Self.rawSegment(directory)).name
        let logBefore = try #require(FileManager.default.contents(atPath: segmentPath))
        try Self.appendSome(engine, rounds: 30..<40)
        try engine.close()
        // The crash: the log lost its last 10 commits (recovery cut them), the sidecar still names them.
        try logBefore.write(to: URL(fileURLWithPath: segmentPath))
        try Self.expectServedByIndexAlone(directory, "an older mark is confirmed and used")
        // The writer reopens, cuts the sidecar back to a confirmed mark and appends other records at those seqs.
        let reopened = try Engine(configuration: configuration(directory), clock: fixedClock)
        #expect(reopened.nextSeq == 91)
        for round in 30..<40 {
            let at = Timestamp(millisecondsSinceEpoch: 1_772_355_600_000 + Int64(round) * 1_000).rfc3339
            let line = #"{"op":"grant","user_id":"u9","amount":5,"initiated_by":"other@acme","at":"\#(at)"}"#
            _ = try reopened.apply(lines: [Array(line.utf8)])
        }
        try Self.appendSome(reopened, rounds: 40..<45)
        try Self.expectServedByIndexAlone(directory)
        let (others, _) = try AuditQuery(initiatedBy: "other@acme").runIndexed(directory: directory.path)
        #expect(others.entries.count == 10)
        try reopened.close()
    }

    @Test func aTornLogTailIsIgnoredLikeTheScanDoes() throws {
        let directory = TemporaryDirectory()
        let engine = try Engine(configuration: configuration(directory), clock: fixedClock)
        try Self.appendSome(engine, rounds: 0..<30)
        try engine.close()
        let segmentPath = directory.path + "/" + (try Self.rawSegment(directory)).name
        let bytes = try #require(FileManager.default.contents(atPath: segmentPath))
        try bytes.prefix(bytes.count - 7).write(to: URL(fileURLWithPath: segmentPath))
        try Self.expectSameAsScan(directory)
    }

    @Test(arguments: [0.1, 0.5, 0.9, 0.999])
    func aCorruptSidecarFallsBackToTheScan(at fraction: Double) throws {
        let directory = TemporaryDirectory()
        let engine = try Engine(configuration: configuration(directory), clock: fixedClock)
        try Self.appendSome(engine, rounds: 0..<30)
        try engine.close()
        let path = try Self.sidecarPath(directory)
        var bytes = [UInt8](try #require(FileManager.default.contents(atPath: path)))
        bytes[Int(Double(bytes.count) * fraction)] ^= 0x10
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        try Self.expectSameAsScan(directory)
        // The writer does not trust it either: it resumes from a mark before the damage, or drops the file.
        let reopened = try Engine(configuration: configuration(directory), clock: fixedClock)
        try Self.appendSome(reopened, rounds: 30..<35)
        try reopened.close()
        try Self.expectSameAsScan(directory)
    }

    @Test func aSidecarOfAnotherLogIsNotUsed() throws {
        let first = TemporaryDirectory()
        let second = TemporaryDirectory()
        for (directory, rounds) in [(first, 0..<30), (second, 5..<35)] {
            let engine = try Engine(configuration: configuration(directory), clock: fixedClock)
            try Self.appendSome(engine, rounds: rounds)
            try engine.close()
        }
        let path = try Self.sidecarPath(second)
        try FileManager.default.removeItem(atPath: path)
        try FileManager.default.copyItem(atPath: try Self.sidecarPath(first), toPath: path)
        let uses = try Self.expectSameAsScan(second)
        #expect(uses.contains { $0.warnings.contains { $0.contains("scanned instead") } })
        // `tollgate index` keeps a file that decodes (audit checks it on use); `rebuild` discards and rebuilds it.
        _ = try Rebuild.run(directory: second.path, billing: BillingConfiguration())
        try Self.expectServedByIndexAlone(second)
    }

    @Test func indexBuildsAMissingSidecarForALogWrittenWithoutOne() throws {
        let directory = TemporaryDirectory()
        let engine = try Engine(configuration: configuration(directory), clock: fixedClock)
        try Self.appendSome(engine, rounds: 0..<30)
        try engine.close()
        try FileManager.default.removeItem(atPath: try Self.sidecarPath(directory))
        for use in try Self.expectSameAsScan(directory) {
            #expect(use.scannedSegmentCount == 1 && use.warnings.isEmpty)
        }
        let lines = try AuditIndexStore(directory: directory.path).refresh()
        #expect(lines.map(\.action) == ["built"])
        #expect(try AuditIndexStore(directory: directory.path).refresh().map(\.action) == ["valid"])
        try Self.expectServedByIndexAlone(directory)
        // A writer opening a log whose sidecar is missing does not build one at open (bounded open), and queries
        // still answer by scanning.
        try FileManager.default.removeItem(atPath: try Self.sidecarPath(directory))
        let reopened = try Engine(configuration: configuration(directory), clock: fixedClock)
        try Self.appendSome(reopened, rounds: 30..<35)
        #expect(!FileManager.default.fileExists(atPath: try Self.sidecarPath(directory)))
        try Self.expectSameAsScan(directory)
        try reopened.close()
    }
}
