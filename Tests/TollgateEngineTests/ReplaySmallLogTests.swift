import Foundation
import Testing
import TollgateBilling
@testable import TollgateEngine
import TollgateLog

/// The public `Replay.verify` replays a log of at most one chunk on the calling thread alone (no reading or
/// journal thread: docs/engine.md, "Start-up") and larger logs pipelined. Either way its report must be the
/// pipelined replay's, on both sides of the threshold, at every bound, healthy or damaged.
@Suite struct ReplaySmallLogTests {
    static let billing = BillingConfiguration(creditEnforcementEnabled: false)

    static func expectPublicEqualsPipelined(
        _ directory: String, bounds: [Projection.Bound], _ label: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        for bound in bounds {
            let chosen = Replay.verify(directory: directory, billing: billing, until: bound)
            let pipelined = Replay.verify(
                directory: directory, billing: billing, until: bound, storage: PosixStorage.shared, concurrent: true)
            #expect(chosen.recordCount == pipelined.recordCount, "\(label) until \(bound)", sourceLocation: sourceLocation)
            #expect(
                chosen.json.rendered == pipelined.json.rendered, "\(label) until \(bound)",
                sourceLocation: sourceLocation)
        }
    }

    /// A log of `recordCount` grants and debits in one raw segment.
    static func makeLog(recordCount: Int) throws -> TemporaryDirectory {
        try appliedLog(seed: 11, commandCount: recordCount, segmentSizeBytes: 64 << 20)
    }

    @Test func theThresholdIsOneChunk() {
        #expect(Replay.sequentialRecordCountMax == Replay.chunkRecordCount)
    }

    @Test(arguments: [1, 52, 4_000, 4_096, 4_097, 9_000])
    func publicReportEqualsPipelined(recordCount: Int) throws {
        let log = try Self.makeLog(recordCount: recordCount)
        let whole = Replay.verify(directory: log.path, billing: Self.billing)
        let bounds: [Projection.Bound] = [.end, .seq(0), .seq(1), .seq(whole.recordCount / 2), .seq(whole.recordCount)]
        Self.expectPublicEqualsPipelined(log.path, bounds: bounds, "\(recordCount) commands")
    }

    @Test func everyFixtureLog() throws {
        let root = ReplayFixture.root + "/.."
        let names =
            ["log", "corrupt/flipped-byte", "corrupt/missing-record", "corrupt/reordered-records",
             "corrupt/tampered-debit"].map { "replay/" + $0 }
            + ["corrupt-active-bitflip", "corrupt-sealed-bitflip", "missing-segment", "torn-tail", "v1"].map {
                "log/" + $0
            }
        for name in names {
            let directory = root + "/" + name
            try #require(FileManager.default.fileExists(atPath: directory), "\(name)")
            Self.expectPublicEqualsPipelined(directory, bounds: [.end, .seq(1), .seq(20), .seq(1_000)], name)
        }
    }
}
