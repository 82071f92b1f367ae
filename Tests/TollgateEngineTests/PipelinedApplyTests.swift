import Foundation
import Testing
import TollgateBilling
import TollgateEngine
import TollgateLog
import TollgateSimulation

private func parsed(_ lines: [String]) -> [Result<Command, InvalidRequest>] {
    lines.map { CommandParser.parse(Array($0.utf8)) }
}

private func durableConfiguration(_ directory: TemporaryDirectory) -> EngineConfiguration {
    EngineConfiguration(
        directory: directory.path, log: LogConfiguration(durability: .groupCommit),
        billing: BillingConfiguration(creditEnforcementEnabled: false))
}

/// `apply`'s pipeline over a log whose `fdatasync` a test holds or fails, collecting what it prints.
private struct ScriptedPipeline {
    let directory = TemporaryDirectory()
    let storage = ScriptedSyncStorage()
    let engine: Engine
    let output = Locked<[UInt8]>([])
    let pipeline: PipelinedApply

    init() throws {
        engine = try Engine(configuration: durableConfiguration(directory), clock: fixedClock, storage: storage)
        let output = output
        pipeline = PipelinedApply(engine: engine, batchCommandCountMax: 1_000) { output.set(output.get() + $0) }
    }
}

/// What the serial path prints: stage each line, commit, render (the engine's behaviour before pipelining).
private func serialOutput(_ input: [[UInt8]], directory: TemporaryDirectory, chunkLineCount: Int) throws -> [UInt8] {
    let engine = try Engine(configuration: configuration(directory, segmentSizeBytes: 16 << 10), clock: fixedClock)
    var output: [UInt8] = []
    var offset = 0
    while offset < input.count {
        for line in input[offset..<min(offset + chunkLineCount, input.count)] {
            switch CommandParser.parse(line) {
            case .failure(let invalid): invalid.result.renderUTF8(into: &output)
            case .success(let command): try engine.stage(command).renderResult(into: &output)
            }
            output.append(UInt8(ascii: "\n"))
        }
        try engine.commit()
        offset += chunkLineCount
    }
    try engine.close()
    return output
}

@Suite struct PipelinedApplyTests {
    /// Generated streams (every op, invalid lines, segment rolls): the pipelined path writes exactly the bytes of
    /// the serial path, in order, and leaves a log that folds to the same state and verifies.
    @Test(arguments: [11, 12, 13, 14] as [UInt64])
    func pipelinedOutputEqualsSerialOutput(seed: UInt64) throws {
        let input = lines(seed: seed, count: 1_500)
        let serialDirectory = TemporaryDirectory()
        let expected = try serialOutput(input, directory: serialDirectory, chunkLineCount: 41)

        let directory = TemporaryDirectory()
        let engine = try Engine(configuration: configuration(directory, segmentSizeBytes: 16 << 10), clock: fixedClock)
        var output: [UInt8] = []
        let pipeline = PipelinedApply(engine: engine, batchCommandCountMax: 100) { output.append(contentsOf: $0) }
        var offset = 0
        var chunkIndex = 0
        while offset < input.count {
            let chunk = input[offset..<min(offset + 41, input.count)]
            try pipeline.apply(chunk.map { CommandParser.parse($0) })
            chunkIndex += 1
            if chunkIndex % 7 == 0 { try pipeline.flush() }  // as when the input pauses
            offset += chunk.count
        }
        try pipeline.flush()
        let live = engine.state.balancesJSON()
        try engine.close()

        #expect(output.count == expected.count, "seed \(seed)")
        #expect(output == expected, "seed \(seed)")
        let folded = try Projection.load(directory: directory.path, billing: engine.configuration.billing)
        #expect(folded.state.balancesJSON() == live)
        let serialFolded = try Projection.load(directory: serialDirectory.path, billing: engine.configuration.billing)
        #expect(folded.state.balancesJSON() == serialFolded.state.balancesJSON())
        #expect(folded.nextSeq == serialFolded.nextSeq)
        let report = Replay.verify(directory: directory.path, billing: engine.configuration.billing)
        #expect(report.ok, "seed \(seed): \(report.violations.prefix(3).map(\.detail))")
    }

    /// Nothing of a batch is written while its `fdatasync` runs; lines decided meanwhile join the next batch and
    /// are written after it, in input order.
    @Test func resultsAreWrittenOnlyAfterTheirBatchIsDurable() throws {
        let scripted = try ScriptedPipeline()
        let (storage, engine, output, pipeline) = (scripted.storage, scripted.engine, scripted.output, scripted.pipeline)
        storage.holdNextSync()
        try pipeline.apply(parsed([#"{"op":"grant","user_id":"a","amount":10,"initiated_by":"x"}"#]))
        #expect(storage.syncStarted.wait(timeout: .now() + 30) == .success)
        // Batch 1 is held in its fdatasync: decide more meanwhile.
        try pipeline.apply(parsed([#"{"op":"debit","user_id":"a","amount":3}"#, "not json"]))
        try pipeline.apply(parsed([#"{"op":"debit","user_id":"a","amount":2}"#]))
        #expect(output.get().isEmpty, "a result was written before its record was durable")
        storage.release.signal()
        try pipeline.flush()
        let written = String(decoding: output.get(), as: UTF8.self).split(separator: "\n").map(String.init)
        #expect(written.count == 4)
        #expect(written[0].contains(#""seq":1"#) && written[0].contains(#""balance_after":"10.000""#))
        #expect(written[1].contains(#""seq":2"#) && written[1].contains(#""balance_after":"7.000""#))
        #expect(written[2].contains(#""status":"invalid""#))
        #expect(written[3].contains(#""seq":3"#) && written[3].contains(#""balance_after":"5.000""#))
        try engine.close()
    }

    /// The append of batch N fails (EIO from `fdatasync`) while batch N+1 waits behind it: both tickets fail, the
    /// engine refuses further work, and batch N+1 is never written to the log.
    @Test func aFailedAppendFailsEveryLaterBatch() throws {
        let directory = TemporaryDirectory()
        let storage = ScriptedSyncStorage()
        let engine = try Engine(configuration: durableConfiguration(directory), clock: fixedClock, storage: storage)
        let grant = try CommandParser.parse(Array(#"{"op":"grant","user_id":"a","amount":10,"initiated_by":"x"}"#.utf8)).get()
        let debit = try CommandParser.parse(Array(#"{"op":"debit","user_id":"a","amount":1}"#.utf8)).get()

        _ = try engine.stage(grant)
        try engine.waitDurable(try engine.commitAsync())  // batch 1: seq 1, durable

        storage.holdNextSync()
        storage.failNextSync()
        _ = try engine.stage(debit)
        let batchN = try engine.commitAsync()  // seq 2: its fdatasync is held, then fails
        #expect(storage.syncStarted.wait(timeout: .now() + 30) == .success)
        _ = try engine.stage(debit)
        let batchNPlus1 = try engine.commitAsync()  // seq 3: queued behind seq 2
        #expect(try engine.isDurable(batchN) == false)
        storage.release.signal()

        #expect(throws: EngineError.self) { try engine.waitDurable(batchN) }
        #expect(throws: EngineError.self) { try engine.waitDurable(batchNPlus1) }
        #expect(throws: EngineError.self) { _ = try engine.stage(debit) }
        #expect(throws: EngineError.self) { try engine.commit() }
        _ = try? engine.close()

        // Seq 3 was never written; seq 2 may or may not have reached the medium (a failed fdatasync says nothing).
        let reopened = try Projection.load(directory: directory.path, billing: engine.configuration.billing)
        #expect(reopened.nextSeq <= 3)
    }

    /// The same failure seen through `PipelinedApply`: no result of batch N or of anything decided after it is
    /// written, and the error says why.
    @Test func aFailedAppendWritesNoResultOfItsBatchOrLaterOnes() throws {
        let scripted = try ScriptedPipeline()
        let (storage, output, pipeline) = (scripted.storage, scripted.output, scripted.pipeline)
        try pipeline.apply(parsed([#"{"op":"grant","user_id":"a","amount":10,"initiated_by":"x"}"#]))
        try pipeline.flush()
        #expect(output.get().filter { $0 == UInt8(ascii: "\n") }.count == 1)

        storage.holdNextSync()
        storage.failNextSync()
        try pipeline.apply(parsed([#"{"op":"debit","user_id":"a","amount":1}"#]))  // batch N, held then failed
        #expect(storage.syncStarted.wait(timeout: .now() + 30) == .success)
        try pipeline.apply(parsed([#"{"op":"debit","user_id":"a","amount":2}"#]))  // staged behind it
        let releaser = Thread {
            Thread.sleep(forTimeInterval: 0.05)
            storage.release.signal()
        }
        releaser.start()
        var failure: EngineError?
        do { try pipeline.flush() } catch { failure = error }
        #expect(failure != nil)
        #expect(failure.map { "\($0)".contains("fdatasync") } == true, "\(String(describing: failure))")
        #expect(output.get().filter { $0 == UInt8(ascii: "\n") }.count == 1, "a result of a failed batch was written")
        #expect(throws: EngineError.self) {
            try pipeline.apply(parsed([#"{"op":"debit","user_id":"a","amount":1}"#]))
        }
        #expect(output.get().filter { $0 == UInt8(ascii: "\n") }.count == 1)
    }

    /// A stream larger than one batch bound, with the snapshot interval crossed mid-stream: the snapshot is
    /// written for a durable seq, and a reopen from it continues the same log.
    @Test func snapshotsDuringPipelinedCommitsCoverOnlyDurableRecords() throws {
        let directory = TemporaryDirectory()
        var config = durableConfiguration(directory)
        config.log = LogConfiguration(durability: .none)
        config.snapshotIntervalRecords = 500
        let input = lines(seed: 21, count: 2_000)
        let engine = try Engine(configuration: config, clock: fixedClock)
        var output: [UInt8] = []
        let pipeline = PipelinedApply(engine: engine, batchCommandCountMax: 64) { output.append(contentsOf: $0) }
        var offset = 0
        while offset < input.count {
            let chunk = input[offset..<min(offset + 50, input.count)]
            try pipeline.apply(chunk.map { CommandParser.parse($0) })
            offset += chunk.count
        }
        try pipeline.flush()
        let live = engine.state.balancesJSON()
        try engine.close()
        #expect(engine.lastSnapshotSeq > 0)
        let reopened = try Engine(configuration: config, clock: fixedClock)
        #expect(reopened.state.balancesJSON() == live)
        try reopened.close()
        #expect(Replay.verify(directory: directory.path, billing: config.billing).ok)
    }
}
