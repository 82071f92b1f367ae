import Foundation
import Testing
import TollgateBilling
import TollgateEngine

@testable import TollgateHTTP

/// Issue 6: append batch size and fsync latency in `/metrics`, fed by `EngineService.observeCommits`.
@Suite struct AppendMetricsTests {
    @Test func groupCommitsAreMeasured() async throws {
        let (service, directory) = try TestEngine.make()
        defer { TestEngine.remove(directory) }
        let metrics = TollgateMetrics()
        let samples = SampleLog()
        service.observeCommits { sample in
            samples.append(sample)
            metrics.recordAppend(sample)
        }
        for index in 0..<3 {
            _ = try await service.submit(
                .grant(.init(userID: "u\(index)", amount: Millicredits(rawValue: 1_000), initiatedBy: "test")))
        }
        try service.shutdown()
        let recorded = samples.all
        #expect(recorded.map(\.commandCount).reduce(0, +) == 3)
        #expect(recorded.map(\.recordCount).reduce(0, +) == 3)
        #expect(recorded.allSatisfy { $0.appendDuration > .zero })
        let text = String(decoding: metrics.exposition(), as: UTF8.self)
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.contains("tollgate_append_records_total 3"))
        #expect(lines.contains("tollgate_append_duration_seconds_count \(recorded.count)"))
        #expect(lines.contains("tollgate_append_batch_commands_count \(recorded.count)"))
        #expect(lines.contains { $0.hasPrefix("tollgate_append_batch_commands_bucket{le=\"4096.0\"}") })
    }
}

private final class SampleLog: @unchecked Sendable {
    private let lock = NSLock()
    private var samples: [EngineService.CommitSample] = []
    func append(_ sample: EngineService.CommitSample) { lock.withLock { samples.append(sample) } }
    var all: [EngineService.CommitSample] { lock.withLock { samples } }
}
