import Foundation
import Testing

@testable import TollgateLog

/// ENOSPC and fsync failures injected through `LogStorage`.
@Suite struct FaultTests {
    @Test(arguments: [0, 1, 20, 45])
    func diskFullDuringAppendAcknowledgesNothing(budgetBytes: Int) throws {
        let directory = TemporaryDirectory()
        let storage = FaultyStorage()
        var factory = RecordFactory(seed: 21)
        let log = try Log.open(directory: directory.path, configuration: .init(), storage: storage)
        var expected = try appendAll(log, (0..<5).map { _ in factory.batch(countMax: 3) })
        storage.writeBudgetBytes = budgetBytes  // the next write stops after this many bytes
        let failing = factory.batch(countMax: 5) + [factory.record()]
        #expect {
            try log.append(failing)
        } throws: { ($0 as? LogError)?.code == .diskFull }
        #expect(log.nextSeq == UInt64(expected.count) + 1)
        #expect(log.failedState == nil)
        // Still full: fails again, still nothing appended.
        #expect(throws: LogError.self) { try log.append([factory.record()]) }
        storage.writeBudgetBytes = nil
        expected += try appendAll(log, [factory.batch(countMax: 3)])
        try log.close()
        #expect(try readAll(directory.path) == expected)
        #expect(verifyLog(directory: directory.path).ok)
        let reopened = try Log.open(directory: directory.path)
        #expect(reopened.nextSeq == UInt64(expected.count) + 1)
        #expect(reopened.recoveryReport.isClean)
        try reopened.close()
    }

    /// The disk fills while a segment is being sealed: the append fails, the raw segment stays, and once space is
    /// back the roll succeeds.
    @Test func diskFullDuringSealing() throws {
        let directory = TemporaryDirectory()
        let storage = FaultyStorage()
        var factory = RecordFactory(seed: 22)
        let log = try Log.open(
            directory: directory.path, configuration: .init(segmentSizeBytes: 1024), storage: storage)
        var expected: [LogRecord] = []
        while directory.segmentNames.count == 1 {
            // Fill the first segment without rolling: stop right before the roll.
            let batch = [factory.record()]
            let sizeBytes = UInt64(BatchCodec.encodedSizeBytes(batch))
            let current = UInt64(directory.bytes(directory.segmentNames[0]).count)
            if current + sizeBytes > 1024 {
                storage.writeBudgetBytes = 100  // the seal's temp file cannot be written
                #expect {
                    try log.append(batch)
                } throws: { ($0 as? LogError)?.code == .diskFull }
                #expect(directory.segmentNames == [SegmentName.raw(1)])
                #expect(!FileManager.default.fileExists(atPath: directory.file(SegmentName.sealing(1))))
                storage.writeBudgetBytes = nil
                expected += try appendAll(log, [batch])
                break
            }
            expected += try appendAll(log, [batch])
        }
        try log.close()
        #expect(directory.segmentNames.first == SegmentName.sealed(1))
        #expect(try readAll(directory.path) == expected)
        #expect(verifyLog(directory: directory.path).ok)
    }

    /// The simulator's known-loss case (docs/reliability.md), directly: the last acknowledged batch is written
    /// past its range (which then reads as zeros), the next append fails after a partial write, and cutting that
    /// write back would remove the stray copy, leaving zeros the next open takes for a torn tail. The log reads
    /// the last batch back first, rewrites it from memory, and fail-stops; the reopened log holds it.
    @Test func misdirectedLastBatchIsRepairedBeforeAFailedAppendIsCut() throws {
        let directory = TemporaryDirectory()
        let storage = FaultyStorage()
        var factory = RecordFactory(seed: 23)
        let log = try Log.open(directory: directory.path, configuration: .init(), storage: storage)
        var expected = try appendAll(log, (0..<3).map { _ in factory.batch(countMax: 3) })
        storage.misdirectNextWriteByBytes = 1024
        expected += try appendAll(log, [factory.batch(countMax: 3)])  // acknowledged, but not where it belongs
        storage.failNextWriteAfterBytes = 10
        #expect {
            try log.append([factory.record()])
        } throws: { ($0 as? LogError)?.code == .failed }
        #expect(log.failedState != nil)
        try? log.close()
        let reopened = try Log.open(directory: directory.path)
        #expect(reopened.nextSeq == UInt64(expected.count) + 1, "an acknowledged batch was taken for a torn tail")
        #expect(reopened.recoveryReport.isClean)
        try reopened.close()
        #expect(try readAll(directory.path) == expected)
        #expect(verifyLog(directory: directory.path).ok)
    }

    /// As above, but the rewrite fails too (the disk stays full): the log must not cut the file, so the stray
    /// copy stays and the next strict open reports corruption instead of silently truncating a "torn tail".
    @Test func unrepairableLastBatchIsLeftForOpenToReport() throws {
        let directory = TemporaryDirectory()
        let storage = FaultyStorage()
        var factory = RecordFactory(seed: 24)
        let log = try Log.open(directory: directory.path, configuration: .init(), storage: storage)
        _ = try appendAll(log, (0..<3).map { _ in factory.batch(countMax: 3) })
        storage.misdirectNextWriteByBytes = 1024
        _ = try appendAll(log, [factory.batch(countMax: 3)])
        storage.writeBudgetBytes = 10  // the failing append stores 10 bytes; the rewrite gets none
        #expect {
            try log.append([factory.record()])
        } throws: { ($0 as? LogError)?.code == .failed }
        try? log.close()
        #expect {
            try Log.open(directory: directory.path)
        } throws: { ($0 as? LogError)?.code == .corruptRecord }
    }

    /// A failed fdatasync puts the log in the failed state: every later append is refused until reopen.
    @Test func fsyncFailureIsFailStop() throws {
        let directory = TemporaryDirectory()
        let storage = FaultyStorage()
        var factory = RecordFactory(seed: 23)
        let log = try Log.open(directory: directory.path, configuration: .init(), storage: storage)
        let acknowledged = try appendAll(log, (0..<3).map { _ in factory.batch(countMax: 3) })
        storage.failSyncs = true
        #expect {
            try log.append([factory.record()])
        } throws: { ($0 as? LogError)?.code == .failed }
        storage.failSyncs = false
        #expect {
            try log.append([factory.record()])
        } throws: { ($0 as? LogError)?.code == .failed }
        #expect(log.failedState != nil)
        try log.close()
        // Reopen recovers: every acknowledged record is there (the failed append may or may not be).
        let reopened = try Log.open(directory: directory.path)
        let records = try readAll(directory.path)
        #expect(Array(records.prefix(acknowledged.count)) == acknowledged)
        #expect(records.count <= acknowledged.count + 1)
        try reopened.append([factory.record()])
        try reopened.close()
        #expect(verifyLog(directory: directory.path).ok)
    }

    /// Appenders blocked behind a failing group all get the error; none is acknowledged.
    @Test func concurrentAppendersAllFailOnFsyncError() throws {
        let directory = TemporaryDirectory()
        let storage = FaultyStorage()
        let log = try Log.open(directory: directory.path, configuration: .init(), storage: storage)
        try log.append([RecordInput(timeMs: 1, type: 0, body: [0])])
        storage.failSyncs = true
        let results = NSLock()
        nonisolated(unsafe) var failures = 0
        DispatchQueue.concurrentPerform(iterations: 8) { i in
            do { try log.append([RecordInput(timeMs: 2, type: 0, body: [UInt8(i)])]) } catch {
                results.withLock { failures += 1 }
            }
        }
        #expect(failures == 8)
        try log.close()
    }
}

@Suite struct MoreFaultTests {
    /// The seal succeeds but the next segment cannot be created: the append fails, the log has only sealed
    /// segments, and the next append creates the segment.
    @Test func diskFullCreatingTheNextSegment() throws {
        let directory = TemporaryDirectory()
        let storage = FaultyStorage()
        var factory = RecordFactory(seed: 61)
        let log = try Log.open(directory: directory.path, configuration: .init(segmentSizeBytes: 700), storage: storage)
        var expected: [LogRecord] = []
        while true {
            let batch = [factory.record()]
            let current = UInt64(directory.bytes(SegmentName.raw(1)).count)
            if current + UInt64(BatchCodec.encodedSizeBytes(batch)) > 700 {
                storage.failSegmentCreation = true
                #expect {
                    try log.append(batch)
                } throws: { ($0 as? LogError)?.code == .diskFull }
                #expect(directory.segmentNames == [SegmentName.sealed(1)])
                #expect(log.nextSeq == UInt64(expected.count) + 1)
                storage.failSegmentCreation = false
                expected += try appendAll(log, [batch, [factory.record()]])
                break
            }
            expected += try appendAll(log, [batch])
        }
        try log.close()
        #expect(try readAll(directory.path) == expected)
        #expect(verifyLog(directory: directory.path).ok)
    }

    /// Under `.interval`, a failed background fdatasync also puts the log in the failed state.
    @Test func intervalSyncFailureIsFailStop() throws {
        let directory = TemporaryDirectory()
        let storage = FaultyStorage()
        let log = try Log.open(
            directory: directory.path, configuration: .init(durability: .interval(milliseconds: 2)), storage: storage)
        storage.failSyncs = true
        try log.append([RecordInput(timeMs: 1, type: 1, body: [1])])
        var waitedMs = 0
        while log.failedState == nil && waitedMs < 2000 {
            usleep(1000)
            waitedMs += 1
        }
        #expect(log.failedState?.code == .failed)
        #expect(throws: LogError.self) { try log.append([RecordInput(timeMs: 1, type: 1, body: [2])]) }
        storage.failSyncs = false
        try log.close()
        try Log.open(directory: directory.path).close()
    }
}
