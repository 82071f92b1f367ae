import Foundation
import Testing
import TollgateBilling
import TollgateEngine
import TollgateLog

/// The public `Replay.verify` reads, checks and decodes the log on a producer thread (and folds the accounting
/// journal there) ahead of the billing verifier; its report must be exactly the sequential replay's — with more
/// records than the queue holds (so the producer waits for the consumer), at every kind of bound, on a damaged log.
@Suite struct ReplayPipelineTests {
    /// More than the queue's 16 chunks of 1,024 records, spread over many sealed segments.
    static let commandCount = 30_000

    static func makeLog() throws -> TemporaryDirectory {
        try appliedLog(seed: 7, commandCount: commandCount, segmentSizeBytes: 64 << 10)
    }

    static func reports(_ directory: String, until bound: Projection.Bound) -> (pipelined: String, sequential: String) {
        let billing = BillingConfiguration(creditEnforcementEnabled: false)
        // Pipelined explicitly: the public overload replays a log of at most one chunk on one thread.
        let pipelined = Replay.verify(
            directory: directory, billing: billing, until: bound, storage: PosixStorage.shared, concurrent: true)
        let sequential = Replay.verify(
            directory: directory, billing: billing, until: bound, storage: PosixStorage.shared, concurrent: false)
        #expect(pipelined.recordCount == sequential.recordCount)
        return (pipelined.json.rendered, sequential.json.rendered)
    }

    @Test func pipelinedReportEqualsSequentialAtEveryBound() throws {
        let directory = try Self.makeLog()
        let billing = BillingConfiguration(creditEnforcementEnabled: false)
        let whole = Replay.verify(directory: directory.path, billing: billing)
        #expect(whole.ok, "\(whole.violations.prefix(3))")
        #expect(whole.recordCount > Int64(16 * 1_024))
        let middle = Replay.verify(
            directory: directory.path, billing: billing, until: .seq(whole.recordCount / 2),
            storage: PosixStorage.shared)
        let middleTime = try #require(middle.state.lastRecordTime)
        let bounds: [Projection.Bound] = [
            .end, .seq(0), .seq(1), .seq(1_024), .seq(1_025), .seq(whole.recordCount / 2), .time(middleTime),
        ]
        for bound in bounds {
            let (pipelined, sequential) = Self.reports(directory.path, until: bound)
            #expect(pipelined == sequential, "\(bound)")
        }
    }

    /// The report's balances are sorted once and shared (checks and JSON): they must be `state.balances()` and
    /// render as `state.balancesJSON()` did, and the CLI's byte rendering must be the `rendered` text.
    @Test func reportBalancesAreTheStateBalances() throws {
        let directory = try Self.makeLog()
        let billing = BillingConfiguration(creditEnforcementEnabled: false)
        for bound in [Projection.Bound.end, .seq(1), .seq(5_000)] {
            let report = Replay.verify(directory: directory.path, billing: billing, until: bound)
            let expected = report.state.balances()
            #expect(report.balances.count == expected.count)
            #expect(report.balances.map(\.userID) == expected.map(\.userID))
            #expect(report.balances.map(\.balance) == expected.map(\.balance))
            #expect(report.balances.count > 1 || bound == .seq(1))
            let json = report.json
            #expect(json["balances"]?.rendered == report.state.balancesJSON()["balances"]?.rendered)
            #expect(json["liability"]?.rendered == report.state.balancesJSON()["liability"]?.rendered)
            var bytes: [UInt8] = []
            json.renderUTF8(into: &bytes)
            #expect(String(decoding: bytes, as: UTF8.self) == json.rendered)
        }
    }

    @Test func pipelinedReportEqualsSequentialOnADamagedLog() throws {
        let directory = try Self.makeLog()
        let sealed = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasSuffix(".log.lz4") }.sorted()
        try #require(sealed.count > 2)
        let path = directory.path + "/" + sealed[sealed.count / 2]
        var bytes = try #require(FileManager.default.contents(atPath: path))
        bytes[bytes.count / 2] ^= 0x40
        try bytes.write(to: URL(fileURLWithPath: path))
        let (pipelined, sequential) = Self.reports(directory.path, until: .end)
        #expect(pipelined == sequential)
        #expect(pipelined.hasPrefix("{\"ok\":false"))
    }
}
