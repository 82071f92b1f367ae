import Foundation
import Testing
import TollgateEngine
import TollgateLog

@testable import TollgateBilling

/// Snapshots: opening from a snapshot plus the tail equals a full replay; every kind of bad snapshot is skipped
/// with a warning (falling back to an older one or to a full replay); rebuild restores them.
@Suite struct SnapshotTests {
    static func snapshotConfiguration(
        _ directory: TemporaryDirectory, interval: Int64, enforcement: Bool = false, segmentSizeBytes: UInt64 = 8192
    ) -> EngineConfiguration {
        EngineConfiguration(
            directory: directory.path, log: LogConfiguration(segmentSizeBytes: segmentSizeBytes, durability: .none),
            billing: BillingConfiguration(creditEnforcementEnabled: enforcement), snapshotIntervalRecords: interval)
    }

    /// Applies a random stream in batches of 37 lines.
    static func fill(_ configuration: EngineConfiguration, seed: UInt64, count: Int) throws {
        let engine = try Engine(configuration: configuration, clock: fixedClock)
        let input = lines(seed: seed, count: count)
        var offset = 0
        while offset < input.count {
            let batch = input[offset..<min(offset + 37, input.count)]
            _ = try engine.apply(lines: batch)
            offset += batch.count
        }
        try engine.close()
    }

    static func full(_ directory: String, _ billing: BillingConfiguration, until bound: Projection.Bound = .end)
        throws -> Projection.Folded
    {
        try Projection.load(directory: directory, billing: billing, until: bound, useSnapshots: false)
    }

    static func snapshotPath(_ directory: String, _ entry: SnapshotStore.Entry) -> String {
        directory + "/" + SnapshotStore.directoryName + "/" + entry.name
    }

    @Test(arguments: 0..<12 as Range<UInt64>)
    func openFromSnapshotPlusTailEqualsFullFold(seed: UInt64) throws {
        let directory = TemporaryDirectory()
        let configuration = Self.snapshotConfiguration(directory, interval: 97, enforcement: seed % 2 == 1)
        try Self.fill(configuration, seed: seed, count: 600)
        let entries = SnapshotStore(directory: directory.path).list()
        #expect(entries.count == SnapshotStore.keepCountDefault, "seed \(seed)")
        let folded = try Projection.load(directory: directory.path, billing: configuration.billing)
        let full = try Self.full(directory.path, configuration.billing)
        #expect(folded.warnings.isEmpty)
        #expect(folded.snapshotSeq == entries.first?.seq)
        #expect(folded.nextSeq == full.nextSeq)
        #expect(folded.state.snapshotBytes() == full.state.snapshotBytes(), "seed \(seed)")

        // Every kept snapshot, and bounded loads at and around them, equal the bounded full fold.
        for entry in entries {
            for bound in [entry.seq - 1, entry.seq, entry.seq + 5] {
                let bounded = try Projection.load(
                    directory: directory.path, billing: configuration.billing, until: .seq(bound))
                let reference = try Self.full(directory.path, configuration.billing, until: .seq(bound))
                #expect(bounded.snapshotSeq.map { $0 <= bound } ?? true)
                #expect(bounded.state.snapshotBytes() == reference.state.snapshotBytes(), "seed \(seed) \(bound)")
            }
        }
        let lastTime = try #require(full.state.lastRecordTime)
        let byTime = try Projection.load(
            directory: directory.path, billing: configuration.billing, until: .time(lastTime.adding(milliseconds: -1)))
        let byTimeReference = try Self.full(
            directory.path, configuration.billing, until: .time(lastTime.adding(milliseconds: -1)))
        #expect(byTime.state.snapshotBytes() == byTimeReference.state.snapshotBytes())
    }

    /// An engine reopened from a snapshot decides the next commands exactly like one reopened by full replay.
    @Test func reopenedEngineDecidesLikeAFullReplay() throws {
        let withSnapshots = TemporaryDirectory()
        let without = TemporaryDirectory()
        let configured = Self.snapshotConfiguration(withSnapshots, interval: 50)
        let plain = Self.snapshotConfiguration(without, interval: 0)
        try Self.fill(configured, seed: 99, count: 400)
        try Self.fill(plain, seed: 99, count: 400)
        #expect(!SnapshotStore(directory: withSnapshots.path).list().isEmpty)
        #expect(SnapshotStore(directory: without.path).list().isEmpty)
        let first = try Engine(configuration: configured, clock: fixedClock)
        let second = try Engine(configuration: plain, clock: fixedClock)
        #expect(first.lastSnapshotSeq > 0)
        #expect(second.lastSnapshotSeq == 0)
        #expect(first.nextSeq == second.nextSeq)
        let next = lines(seed: 100, count: 300)
        for line in next {
            let a = try first.apply(lines: [line])
            let b = try second.apply(lines: [line])
            #expect(a.map(\.rendered) == b.map(\.rendered))
        }
        #expect(first.state.snapshotBytes() == second.state.snapshotBytes())
        try first.close()
        try second.close()
    }

    enum Damage: String, CaseIterable, Sendable {
        case bitFlip, truncated, emptyFile, otherConfig, otherLog, beyondTheLog, stateHeaderMismatch
    }

    /// The newest snapshot is damaged one way or another: it is skipped with a warning naming it, the next older
    /// one is used, and the answers equal a full replay. With every snapshot damaged, the fold is a full replay.
    @Test(arguments: Damage.allCases)
    func badSnapshotIsSkipped(damage: Damage) throws {
        let directory = TemporaryDirectory()
        let configuration = Self.snapshotConfiguration(directory, interval: 100)
        try Self.fill(configuration, seed: 5, count: 500)
        let store = SnapshotStore(directory: directory.path)
        let entries = store.list()
        try #require(entries.count == 3)
        for (position, entry) in entries.enumerated() {
            try Self.damage(entry, damage, in: directory.path, configuration: configuration)
            let folded = try Projection.load(directory: directory.path, billing: configuration.billing)
            let full = try Self.full(directory.path, configuration.billing)
            #expect(folded.warnings.count == position + 1, "\(damage): \(folded.warnings)")
            #expect(folded.warnings.allSatisfy { $0.contains("skipped") })
            let name = damage == .beyondTheLog ? SnapshotStore.fileName(seq: entry.seq + 1_000_000) : entry.name
            #expect(folded.warnings.last?.contains(name) == true, "\(folded.warnings)")
            #expect(folded.snapshotSeq == (position + 1 < entries.count ? entries[position + 1].seq : nil))
            #expect(folded.state.snapshotBytes() == full.state.snapshotBytes(), "\(damage)")
        }
        // The engine opens (full replay), says why, and continues the log.
        let warnings = WarningBox()
        var reopened = configuration
        reopened.warningHandler = { warnings.append($0) }
        let engine = try Engine(configuration: reopened, clock: fixedClock)
        #expect(engine.openWarnings.count == 3 && warnings.values.count == 3)
        #expect(engine.lastSnapshotSeq == 0)
        try engine.close()

        // Rebuild discards them and writes a good one; then nothing is skipped.
        let report = try Rebuild.run(directory: directory.path, billing: configuration.billing)
        #expect(report.removed.filter { $0.hasPrefix("snapshots/") }.count >= 3)
        #expect(report.snapshotName == SnapshotStore.fileName(seq: report.recordCount))
        let rebuilt = try Projection.load(directory: directory.path, billing: configuration.billing)
        #expect(rebuilt.warnings.isEmpty)
        #expect(rebuilt.snapshotSeq == report.recordCount)
        let full = try Self.full(directory.path, configuration.billing)
        #expect(rebuilt.state.snapshotBytes() == full.state.snapshotBytes())
    }

    static func damage(
        _ entry: SnapshotStore.Entry, _ damage: Damage, in directory: String, configuration: EngineConfiguration
    ) throws {
        let path = snapshotPath(directory, entry)
        var bytes = ReplayFixture.bytes(path)
        let good = try Snapshot.decode(bytes).get()
        switch damage {
        case .bitFlip:
            bytes[bytes.count / 2] ^= 0x10
        case .truncated:
            bytes.removeLast(bytes.count / 3)
        case .emptyFile:
            bytes = []
        case .otherConfig:
            // A well-formed snapshot of the same records folded under the other config.
            let other = BillingConfiguration(creditEnforcementEnabled: !configuration.billing.creditEnforcementEnabled)
            let state = try full(directory, other, until: .seq(entry.seq)).state
            bytes = Snapshot(state: state, chain: good.chain).encoded()
        case .otherLog:
            // A well-formed snapshot whose chain value is not this log's (another log, or this one rewritten).
            var other = good
            other.chain ^= 1
            bytes = other.encoded()
        case .beyondTheLog:
            // A snapshot claiming a seq past the last record (the log was truncated after it was taken).
            let state = try full(directory, configuration.billing).state
            var forged = Snapshot(state: state, chain: good.chain)
            forged.seq = entry.seq + 1_000_000
            try ReplayFixture.write(
                directory + "/" + SnapshotStore.directoryName + "/" + SnapshotStore.fileName(seq: forged.seq),
                forged.encoded())
            try FileManager.default.removeItem(atPath: path)
            return
        case .stateHeaderMismatch:
            // The header says one seq, the state another (checksum recomputed).
            var other = good
            other.lastTimeMs += 1
            bytes = other.encoded()
        }
        try ReplayFixture.write(path, bytes)
    }

    /// `reconcile` compares the newest snapshot with the fold at its seq: a forged balance (consistent, so it passes
    /// decoding) is reported as drift; an honest snapshot is identical.
    @Test func reconcileComparesTheSnapshot() throws {
        let directory = TemporaryDirectory()
        let configuration = Self.snapshotConfiguration(directory, interval: 0)
        try Self.fill(configuration, seed: 11, count: 300)
        var warnings: [String] = []
        let store = SnapshotStore(directory: directory.path)
        let taken = try #require(try store.take(billing: configuration.billing, warnings: &warnings))
        let honest = try Reconciliation.run(directory: directory.path, billing: configuration.billing)
        #expect(honest.ok)
        #expect(honest.snapshot?.seq == taken.seq && honest.snapshot?.stateIdentical == true)

        var state = try taken.state().get()
        let slot = try #require(state.accounts.indices.first { state.accounts[$0].hasLedgerActivity })
        state.accounts[slot].balance.rawValue += 1_000
        state.liabilityTotal += 1_000
        try store.write(Snapshot(state: state, chain: taken.chain))
        let forged = try Reconciliation.run(directory: directory.path, billing: configuration.billing)
        #expect(!forged.ok)
        #expect(forged.snapshot?.drifts.map(\.userID) == [state.accounts[slot].userID])
        #expect(forged.snapshot?.drifts.first.map { $0.snapshotBalance.rawValue - $0.foldBalance.rawValue } == 1_000)
        #expect(forged.snapshotWarnings.isEmpty)
        #expect(forged.json.rendered.contains("\"snapshot\":"))
    }

    /// Rebuild also discards and remakes the audit index, and keeps nothing stale.
    @Test func rebuildRemakesTheAuditIndex() throws {
        let directory = TemporaryDirectory()
        let configuration = Self.snapshotConfiguration(directory, interval: 0, segmentSizeBytes: 4096)
        try Self.fill(configuration, seed: 3, count: 400)
        let audit = AuditIndexStore(directory: directory.path)
        let built = try audit.refresh()
        #expect(!built.isEmpty)
        let indexFile = audit.indexDirectory + "/" + built[0].name + AuditIndex.fileSuffix
        try ReplayFixture.write(indexFile, [1, 2, 3])
        try ReplayFixture.write(audit.indexDirectory + "/stale.audit", [0])
        let report = try Rebuild.run(directory: directory.path, billing: configuration.billing)
        #expect(report.removed.contains("index/stale.audit"))
        #expect(report.indexLines.count == built.count && report.indexLines.allSatisfy { $0.action == "built" })
        let again = try audit.refresh()
        #expect(again.allSatisfy { $0.action == "valid" })
        #expect(SnapshotStore(directory: directory.path).list().map(\.seq) == [report.recordCount])
    }

    @Test func chainValueMatchesTheLog() throws {
        let directory = TemporaryDirectory()
        let configuration = Self.snapshotConfiguration(directory, interval: 0, segmentSizeBytes: 2048)
        try Self.fill(configuration, seed: 8, count: 300)
        var reader = try LogReader(directory: directory.path)
        var chain: UInt64 = 0x544F_4C4C_4741_5445
        #expect(try LogReader.chainValue(directory: directory.path, atSeq: 0) == chain)
        var lastSeq: UInt64 = 0
        while let record = try reader.next() {
            chain = Self.chainNext(chain, record.checksum)
            #expect(try LogReader.chainValue(directory: directory.path, atSeq: record.seq) == chain, "\(record.seq)")
            lastSeq = record.seq
        }
        #expect(try LogReader.chainValue(directory: directory.path, atSeq: lastSeq + 1) == nil)
    }

    static func chainNext(_ chain: UInt64, _ checksum: UInt32) -> UInt64 {
        var k = chain ^ UInt64(checksum)
        k ^= k >> 33
        k = k &* 0xff51_afd7_ed55_8ccd
        k ^= k >> 33
        k = k &* 0xc4ce_b9fe_1a85_ec53
        k ^= k >> 33
        return k
    }
}

final class WarningBox: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [String] = []
    func append(_ value: String) { lock.withLock { stored.append(value) } }
    var values: [String] { lock.withLock { stored } }
}
