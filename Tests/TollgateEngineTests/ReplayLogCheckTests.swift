import Foundation
import Testing
import TollgateBilling
import TollgateEngine
import TollgateLog

/// The pipelined replay's log check is made from its reader's pass plus what the reader did not read
/// (`LogReader.checkingRest()`); the one-thread replay's is a full `verifyLog`. Their reports must be identical on
/// every corrupt fixture and with damage before, at, inside and after the bound, in the segment the reader stops in
/// and in later ones.
@Suite struct ReplayLogCheckTests {
    static var fixturesRoot: String { ReplayFixture.root + "/.." }

    static func expectSameReports(
        _ directory: String, bounds: [Projection.Bound], _ label: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        for bound in bounds {
            let (pipelined, sequential) = ReplayPipelineTests.reports(directory, until: bound)
            #expect(pipelined == sequential, "\(label) until \(bound)", sourceLocation: sourceLocation)
        }
    }

    static func flip(_ path: String, at fraction: Double) throws {
        var bytes = try #require(FileManager.default.contents(atPath: path))
        bytes[Int(Double(bytes.count) * fraction)] ^= 0x40
        try bytes.write(to: URL(fileURLWithPath: path))
    }

    @Test func everyCorruptFixture() throws {
        let time = try #require(Timestamp(rfc3339: "2026-03-01T12:00:00Z"))
        var bounds: [Projection.Bound] = [.end, .time(time)]
        bounds.append(contentsOf: [0, 1, 5, 13, 14, 20, 27, 30, 41, 42, 52, 87, 100].map { .seq($0) })
        let names =
            ["flipped-byte", "missing-record", "reordered-records", "tampered-debit"].map { "replay/corrupt/" + $0 }
            + ["corrupt-active-bitflip", "corrupt-sealed-bitflip", "missing-segment", "torn-tail", "v1"].map {
                "log/" + $0
            }
        for name in names {
            let directory = Self.fixturesRoot + "/" + name
            try #require(FileManager.default.fileExists(atPath: directory), "\(name)")
            Self.expectSameReports(directory, bounds: bounds, name)
        }
    }

    @Test func damageBeforeInsideAndAfterTheBound() throws {
        let log = try ReplayPipelineTests.makeLog()
        let sealed = try FileManager.default.contentsOfDirectory(atPath: log.path)
            .filter { $0.hasSuffix(".log.lz4") }.sorted()
        try #require(sealed.count > 4)
        let raw = try #require(
            FileManager.default.contentsOfDirectory(atPath: log.path).filter { $0.hasSuffix(".log") }.first)
        let billing = BillingConfiguration(creditEnforcementEnabled: false)
        let whole = Replay.verify(directory: log.path, billing: billing)
        #expect(whole.ok)
        let middleTime = try #require(
            Replay.verify(directory: log.path, billing: billing, until: .seq(whole.recordCount / 2)).state
                .lastRecordTime)
        let damagedName = sealed[sealed.count / 2]
        let damagedBase = Int64(damagedName.prefix(20))!
        let laterBase = Int64(sealed[sealed.count - 2].prefix(20))!
        let path = { (name: String) in log.path + "/" + name }

        try Self.flip(path(damagedName), at: 0.5)
        let failure = Replay.verify(
            directory: log.path, billing: billing, until: .end, storage: PosixStorage.shared, concurrent: false)
        let failedSeq = try #require(failure.violations.first?.seq)
        #expect(failedSeq >= damagedBase)
        let bounds: [Projection.Bound] = [
            .end, .seq(1), .seq(damagedBase - 1), .seq(damagedBase), .seq(failedSeq - 1), .seq(failedSeq),
            .seq(failedSeq + 1), .seq(laterBase), .seq(whole.recordCount), .time(middleTime),
        ]
        Self.expectSameReports(log.path, bounds: bounds, "one flipped sealed segment")
        try Self.flip(path(sealed[sealed.count - 2]), at: 0.3)
        try Self.flip(path(raw), at: 0.6)
        Self.expectSameReports(log.path, bounds: bounds, "three damaged segments")
        try FileManager.default.removeItem(atPath: path(sealed[1]))
        Self.expectSameReports(log.path, bounds: bounds, "and a missing one")
    }
}
