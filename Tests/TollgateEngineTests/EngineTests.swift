import Foundation
import Testing
import TollgateBilling
import TollgateEngine
import TollgateLog
import TollgateSimulation

/// A fresh temporary data directory, removed when the test ends.
final class TemporaryDirectory {
    let path: String
    init() {
        path = NSTemporaryDirectory() + "tollgate-engine-" + UUID().uuidString
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}

let fixedClock = Clock { Timestamp(millisecondsSinceEpoch: 1_772_355_600_000) }

func configuration(_ directory: TemporaryDirectory, segmentSizeBytes: UInt64 = 64 << 20) -> EngineConfiguration {
    EngineConfiguration(
        directory: directory.path,
        log: LogConfiguration(segmentSizeBytes: segmentSizeBytes, durability: .none),
        billing: BillingConfiguration(creditEnforcementEnabled: false))
}

func lines(seed: UInt64, count: Int) -> [[UInt8]] {
    var stream = CommandGenerator(seed: seed)
    return (0..<count).map { _ in Array(stream.nextLine().utf8) }
}

/// A log of `commandCount` generated commands (`lines(seed:count:)`), applied 1,000 at a time and closed.
func appliedLog(seed: UInt64, commandCount: Int, segmentSizeBytes: UInt64) throws -> TemporaryDirectory {
    let directory = TemporaryDirectory()
    let engine = try Engine(configuration: configuration(directory, segmentSizeBytes: segmentSizeBytes), clock: fixedClock)
    let input = lines(seed: seed, count: commandCount)
    var start = 0
    while start < input.count {  // Bounded: 1,000 more each pass.
        let end = min(start + 1_000, input.count)
        _ = try engine.apply(lines: input[start..<end])
        start = end
    }
    try engine.close()
    return directory
}

@Suite struct EngineTests {
    @Test func resultsComeBackOnePerLineInOrder() throws {
        let directory = TemporaryDirectory()
        let engine = try Engine(configuration: configuration(directory), clock: fixedClock)
        let input = [
            #"{"op":"grant","user_id":"a","amount":10,"initiated_by":"admin"}"#,
            "garbage",
            #"{"op":"debit","user_id":"a","amount":"2.5"}"#,
        ].map { Array($0.utf8) }
        let results = try engine.apply(lines: input)
        #expect(results.count == 3)
        #expect(results[0]["status"] == .string("applied"))
        #expect(results[0]["seq"] == .int(1))
        #expect(results[1]["status"] == .string("invalid"))
        #expect(results[1]["seq"] == nil)
        #expect(results[2]["seq"] == .int(2))
        #expect(results[2]["balance_after"] == .string("7.500"))
        try engine.close()
    }

    @Test func reopeningContinuesTheSameLog() throws {
        let directory = TemporaryDirectory()
        do {
            let engine = try Engine(configuration: configuration(directory), clock: fixedClock)
            _ = try engine.apply(lines: [Array(#"{"op":"grant","user_id":"a","amount":10,"initiated_by":"x"}"#.utf8)])
            try engine.close()
        }
        let engine = try Engine(configuration: configuration(directory), clock: fixedClock)
        #expect(engine.nextSeq == 2)
        let results = try engine.apply(lines: [Array(#"{"op":"debit","user_id":"a","amount":4}"#.utf8)])
        #expect(results[0]["seq"] == .int(2))
        #expect(results[0]["balance_after"] == .string("6.000"))
        try engine.close()
    }

    /// Model-based property: random streams through the engine; a fresh fold of the log equals the live state,
    /// a verified replay finds no violation, and the same commands into a fresh directory give identical bytes.
    @Test(arguments: [1, 2, 3, 4, 5, 6, 7, 8] as [UInt64])
    func randomStreamsFoldVerifyAndAreDeterministic(seed: UInt64) throws {
        let input = lines(seed: seed, count: 600)
        var liveStates: [JSONValue] = []
        var directories: [TemporaryDirectory] = []
        for _ in 0..<2 {
            let directory = TemporaryDirectory()
            directories.append(directory)
            let engine = try Engine(configuration: configuration(directory, segmentSizeBytes: 8192), clock: fixedClock)
            var offset = 0
            while offset < input.count {
                let batch = input[offset..<min(offset + 37, input.count)]
                _ = try engine.apply(lines: batch)
                offset += batch.count
            }
            liveStates.append(engine.state.balancesJSON())
            let folded = try Projection.load(directory: directory.path, billing: engine.configuration.billing)
            #expect(folded.state.balancesJSON() == engine.state.balancesJSON(), "seed \(seed)")
            #expect(folded.state.settingsJSON() == engine.state.settingsJSON(), "seed \(seed)")
            for user in ["u1", "u2", "u3", "u4", "u5"] {
                let at = engine.state.lastRecordTime ?? Timestamp(millisecondsSinceEpoch: 0)
                #expect(
                    folded.state.enforcementJSON(userID: user, at: at) == engine.state.enforcementJSON(userID: user, at: at),
                    "seed \(seed) user \(user)")
            }
            try engine.close()
            let report = Replay.verify(directory: directory.path, billing: engine.configuration.billing)
            #expect(report.ok, "seed \(seed): \(report.violations.prefix(3).map(\.detail))")
        }
        #expect(liveStates[0] == liveStates[1])
        #expect(try directoryContents(directories[0].path) == directoryContents(directories[1].path), "seed \(seed)")
    }

    /// One `apply` batch may hold more bytes than one log append takes (module_rules up to 16 KiB each): the
    /// engine commits early instead of failing the append.
    @Test func batchesLargerThanOneAppendAreSplit() throws {
        let directory = TemporaryDirectory()
        let engine = try Engine(configuration: configuration(directory), clock: fixedClock)
        let rules = "{" + (0..<120).map { "\"m\($0)\":{\"note\":\"\(String(repeating: "x", count: 100))\"}" }
            .joined(separator: ",") + "}"
        let input = (0..<400).map {
            Array(#"{"op":"define_plan","plan_id":"p\#($0)","module_rules":\#(rules),"initiated_by":"a"}"#.utf8)
        }
        #expect(input.reduce(0) { $0 + $1.count } > LogLimits.batchSizeBytesMax)
        let results = try engine.apply(lines: input)
        #expect(results.allSatisfy { $0["status"] == .string("applied") })
        #expect(results.last?["seq"] == .int(400))
        try engine.close()
        #expect(Replay.verify(directory: directory.path, billing: BillingConfiguration()).ok)
    }

    /// Records further apart than one log batch can span (2^32 ms ≈ 49.7 days) go out in separate appends.
    @Test func batchesSpanningMoreThanOneAppendsTimeRangeAreSplit() throws {
        let directory = TemporaryDirectory()
        let engine = try Engine(configuration: configuration(directory), clock: fixedClock)
        let results = try engine.apply(lines: [
            #"{"op":"grant","user_id":"a","amount":1,"initiated_by":"x","at":"0001-01-01T00:00:00Z"}"#,
            #"{"op":"grant","user_id":"a","amount":1,"initiated_by":"x","at":"2026-01-01T00:00:00Z"}"#,
            #"{"op":"grant","user_id":"a","amount":1,"initiated_by":"x","at":"2026-03-01T00:00:00Z"}"#,
            #"{"op":"grant","user_id":"a","amount":1,"initiated_by":"x","at":"9999-12-31T23:59:59.999Z"}"#,
        ].map { Array($0.utf8) })
        #expect(results.map { $0["seq"] } == [.int(1), .int(2), .int(3), .int(4)])
        try engine.close()
        #expect(Replay.verify(directory: directory.path, billing: BillingConfiguration()).ok)
    }

    @Test func replayWithAnotherConfigDefaultReportsTheDebitsItWouldDecideDifferently() throws {
        let directory = TemporaryDirectory()
        let engine = try Engine(configuration: configuration(directory), clock: fixedClock)
        // Enforcement off by config: a debit on an empty balance is applied warn-only.
        _ = try engine.apply(lines: [Array(#"{"op":"debit","user_id":"a","amount":1}"#.utf8)])
        try engine.close()
        let report = Replay.verify(directory: directory.path, billing: BillingConfiguration(creditEnforcementEnabled: true))
        #expect(!report.ok)
        #expect(report.violations.contains { $0.seq == 1 })
    }

    @Test func pointInTimeReplayStopsAtTheBound() throws {
        let directory = TemporaryDirectory()
        let engine = try Engine(configuration: configuration(directory), clock: fixedClock)
        _ = try engine.apply(lines: [
            #"{"op":"grant","user_id":"a","amount":10,"initiated_by":"x","at":"2026-03-01T10:00:00Z"}"#,
            #"{"op":"debit","user_id":"a","amount":3,"at":"2026-03-01T11:00:00Z"}"#,
            #"{"op":"debit","user_id":"a","amount":3,"at":"2026-03-01T12:00:00Z"}"#,
        ].map { Array($0.utf8) })
        try engine.close()
        let bySeq = Replay.verify(directory: directory.path, billing: BillingConfiguration(), until: .seq(2))
        #expect(bySeq.ok)
        #expect(bySeq.recordCount == 2)
        #expect(bySeq.state.liability == Millicredits(rawValue: 7_000))
        let byTime = try Projection.load(
            directory: directory.path, billing: BillingConfiguration(),
            until: .time(Timestamp(rfc3339: "2026-03-01T10:30:00Z")!))
        #expect(byTime.state.liability == Millicredits(rawValue: 10_000))
    }
}

/// Every file under `path` (derived files in subdirectories, like the audit index, included) by relative path.
func directoryContents(_ path: String) throws -> [String: Data] {
    var contents: [String: Data] = [:]
    for name in try FileManager.default.contentsOfDirectory(atPath: path) {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path + "/" + name, isDirectory: &isDirectory), isDirectory.boolValue {
            for (inner, data) in try directoryContents(path + "/" + name) { contents[name + "/" + inner] = data }
        } else {
            contents[name] = try Data(contentsOf: URL(fileURLWithPath: path + "/" + name))
        }
    }
    return contents
}
