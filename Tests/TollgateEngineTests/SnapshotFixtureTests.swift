import Foundation
import Testing
import TollgateBilling
import TollgateEngine
import TollgateLog

/// `Fixtures/snapshots/v1/`: a version-1 snapshot of the replay fixture log (`Fixtures/replay/log`, 52 records).
/// Today's decoder must read it and today's encoder must write it byte for byte. Re-record only on request:
/// `TOLLGATE_RECORD_FIXTURES=1 swift test --filter SnapshotFixtureTests` (the recording run fails on purpose).
@Suite struct SnapshotFixtureTests {
    static let directory = ReplayFixture.root + "/../snapshots/v1"
    static let path = directory + "/" + SnapshotStore.fileName(seq: 52)

    @Test func todaysCodeReadsAndWritesTheVersion1Snapshot() throws {
        let full = try Projection.load(
            directory: ReplayFixture.logDirectory, billing: ReplayFixture.billing, useSnapshots: false)
        let chain = try #require(try LogReader.chainValue(directory: ReplayFixture.logDirectory, atSeq: 52))
        let encoded = Snapshot(state: full.state, chain: chain).encoded()
        if ReplayFixture.recording {
            try ReplayFixture.write(Self.path, encoded)
            Issue.record("recorded \(Self.path); run again without TOLLGATE_RECORD_FIXTURES")
            return
        }
        let bytes = ReplayFixture.bytes(Self.path)
        let snapshot = try Snapshot.decode(bytes).get()
        #expect(snapshot.seq == 52)
        #expect(snapshot.chain == chain)
        #expect(snapshot.billing == ReplayFixture.billing)
        let state = try snapshot.state().get()
        #expect(state.snapshotBytes() == snapshot.stateBytes)
        #expect(state.balancesJSON().rendered == full.state.balancesJSON().rendered)
        #expect(PointInTimeTests.answers(state) == PointInTimeTests.answers(full.state))
        #expect(encoded == bytes, "the encoder no longer writes version 1 byte for byte")
    }

    /// Next to a copy of the fixture log, the fixture snapshot is chosen and the answers equal a full replay.
    @Test func theFixtureSnapshotIsUsedForTheFixtureLog() throws {
        let copy = TemporaryDirectory()
        try FileManager.default.copyItem(atPath: ReplayFixture.logDirectory, toPath: copy.path)
        try ReplayFixture.write(
            copy.path + "/" + SnapshotStore.directoryName + "/" + SnapshotStore.fileName(seq: 52),
            ReplayFixture.bytes(Self.path))
        let folded = try Projection.load(directory: copy.path, billing: ReplayFixture.billing)
        #expect(folded.warnings.isEmpty)
        #expect(folded.snapshotSeq == 52)
        let full = try Projection.load(directory: copy.path, billing: ReplayFixture.billing, useSnapshots: false)
        #expect(folded.state.snapshotBytes() == full.state.snapshotBytes())
        // Under the other config it is skipped.
        let other = try Projection.load(
            directory: copy.path, billing: BillingConfiguration(creditEnforcementEnabled: true))
        #expect(other.snapshotSeq == nil && other.warnings.count == 1)
    }
}
