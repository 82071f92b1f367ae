import Foundation
import Testing
import TollgateBilling
import TollgateEngine

/// `replay --verify` on every corrupted copy of the fixture log reports the right violation at the right seq,
/// and the committed copies are exactly what the tool makes (so Fixtures/replay/README.md's recipe is real).
@Suite struct CorruptReplayTests {
    /// The violation each corruption must produce first: (invariant, seq).
    static let expectedFirst: [CorruptLog.Kind: (String, Int64)] = [
        .flippedByte: ("log_integrity", CorruptLog.targetSeq),
        .missingRecord: ("log_integrity", CorruptLog.targetSeq),
        .reorderedRecords: ("log_integrity", CorruptLog.targetSeq),
        .tamperedDebit: ("decision_replays", CorruptLog.targetSeq),
    ]

    @Test func theGoldenLogVerifies() {
        let report = Replay.verify(directory: ReplayFixture.logDirectory, billing: ReplayFixture.billing)
        #expect(report.ok, "\(report.violations)")
        #expect(report.recordCount == 52)
    }

    @Test(arguments: CorruptLog.Kind.allCases)
    func eachCorruptionIsReportedWithItsSeq(kind: CorruptLog.Kind) throws {
        let made = TemporaryDirectory()
        try CorruptLog.make(kind, from: ReplayFixture.logDirectory, into: made.path)
        let committed = ReplayFixture.corruptDirectory(kind.rawValue)
        let segment = "/" + CorruptLog.segmentName
        let report = Replay.verify(directory: made.path, billing: ReplayFixture.billing)
        let rendered = report.json.rendered + "\n"
        if ReplayFixture.recording {
            try ReplayFixture.write(committed + segment, ReplayFixture.bytes(made.path + segment))
            try ReplayFixture.write(committed + "/expected-replay.json", Array(rendered.utf8))
            Issue.record("recorded \(committed)")
            return
        }
        #expect(!report.ok)
        let first = try #require(report.violations.first)
        let expected = Self.expectedFirst[kind]!
        #expect(first.invariant == expected.0, "\(report.violations)")
        #expect(first.seq == expected.1, "\(report.violations)")
        #expect(ReplayFixture.bytes(made.path + segment) == ReplayFixture.bytes(committed + segment))
        // The committed copy verifies to the committed report.
        let committedReport = Replay.verify(directory: committed, billing: ReplayFixture.billing)
        #expect(committedReport.json.rendered + "\n" == ReplayFixture.read(committed + "/expected-replay.json"))
        #expect(rendered == ReplayFixture.read(committed + "/expected-replay.json"))
    }

    /// The tampered copy passes every storage check: only re-decision catches it.
    @Test func theTamperedDebitPassesTheStorageChecks() throws {
        let made = TemporaryDirectory()
        try CorruptLog.make(.tamperedDebit, from: ReplayFixture.logDirectory, into: made.path)
        let report = Replay.verify(directory: made.path, billing: ReplayFixture.billing)
        // The forged debit itself, then the refund of 2.500 it no longer covers.
        #expect(report.violations.map(\.invariant) == ["decision_replays", "refund_within_charge", "decision_replays"])
        #expect(report.violations.map(\.seq) == [CorruptLog.targetSeq, 13, 13])
        // Reconcile cannot see it either: the forged charge is consistent with the forged balance.
        let reconciliation = try Reconciliation.run(directory: made.path, billing: ReplayFixture.billing)
        #expect(reconciliation.ok)
    }

    /// A copy rewritten one record per batch without changes verifies like the original.
    @Test func theOneRecordPerBatchCopyIsFaithful() throws {
        let made = TemporaryDirectory()
        try CorruptLog.rewriteOneRecordPerBatch(from: ReplayFixture.logDirectory, into: made.path) { _, _, body in body }
        let report = Replay.verify(directory: made.path, billing: ReplayFixture.billing)
        #expect(report.ok, "\(report.violations)")
        #expect(report.recordCount == 52)
    }
}
