import Foundation
import Testing

@testable import TollgateLog

/// Group commits inside the preallocated tail go to disk as one durable write (`LogStorage.writeDurably`,
/// `pwritev2(RWF_DSYNC)` on Linux); zero fills, rolls, seals and the other durabilities keep `write` + `fdatasync`
/// (docs/log-format.md, "Durable writes").
@Suite struct DurableWriteTests {
    /// Appends `batches` so that the first is a group of its own, held in its durable I/O, while the others queue
    /// behind it one by one (in this order): they then go to disk as one group of `batches.count - 1` appends.
    static func appendAsGroup(_ log: Log, _ storage: RecordingStorage, _ batches: [[RecordInput]]) throws {
        precondition(batches.count >= 2)
        storage.holdNextDurableIO()
        let done = DispatchGroup()
        let failures = NSLock()
        nonisolated(unsafe) var errors: [any Error] = []
        func start(_ batch: [RecordInput]) {
            done.enter()
            Thread {
                do { try log.append(batch) } catch { failures.withLock { errors.append(error) } }
                done.leave()
            }.start()
        }
        start(batches[0])
        #expect(storage.waitUntilHeld(), "the first append never reached its durable I/O")
        var nextSeq = log.nextSeq
        for batch in batches.dropFirst() {
            start(batch)
            nextSeq += UInt64(batch.count)
            // Queued once the log has numbered it (bounded wait: 30 s).
            var waitedMs = 0
            while log.nextSeq < nextSeq, waitedMs < 30_000 {
                usleep(1000)
                waitedMs += 1
            }
            #expect(log.nextSeq == nextSeq, "an append never queued")
        }
        storage.releaseHeld()
        #expect(done.wait(timeout: .now() + 60) == .success, "appends did not finish")
        if let error = failures.withLock({ errors.first }) { throw error }
    }

    static func activeSegment(_ directory: TemporaryDirectory) -> String {
        directory.segmentNames.last { SegmentName.parse($0)?.kind == .raw }!
    }

    /// Groups of 1–8 appends written by `pwritev2(RWF_DSYNC)` land byte for byte as the default (`write` of each
    /// append, then `fdatasync`) writes them: the live file with its zeros, and the closed log.
    @Test(arguments: [2, 3, 8])
    func groupsLandByteIdenticalToWriteAndSync(groupSize: Int) throws {
        var liveFiles: [[UInt8]] = []
        var closedFiles: [[String: [UInt8]]] = []
        for defaultDurableWrite in [false, true] {
            let directory = TemporaryDirectory()
            let storage = RecordingStorage(defaultDurableWrite: defaultDurableWrite)
            let log = try Log.open(directory: directory.path, configuration: .init(), storage: storage)
            var factory = RecordFactory(seed: 91)
            var expected = try appendAll(log, [factory.batch(countMax: 3)])  // zeros written: the old way
            let roundCount = 4
            for _ in 0..<roundCount {
                let batches = (0...groupSize).map { _ in factory.batch(countMax: 4) }
                try Self.appendAsGroup(log, storage, batches)
                for batch in batches {
                    let firstSeq = UInt64(expected.count) + 1
                    for (i, record) in batch.enumerated() {
                        expected.append(record.expected(seq: firstSeq + UInt64(i)))
                    }
                }
            }
            // One durable write per group: the held single append, then the group queued behind it.
            let groupChunkCounts = (0..<roundCount).flatMap { _ in [1, groupSize] }
            #expect(storage.durableWriteChunkCounts == groupChunkCounts, "default \(defaultDurableWrite)")
            liveFiles.append(directory.bytes(Self.activeSegment(directory)))
            try log.close()
            #expect(try readAll(directory.path) == expected)
            #expect(verifyLog(directory: directory.path).ok)
            closedFiles.append(
                Dictionary(uniqueKeysWithValues: directory.segmentNames.map { ($0, directory.bytes($0)) }))
        }
        #expect(liveFiles[0].count > 1 << 20, "the live file holds its preallocated zeros")
        #expect(liveFiles[0] == liveFiles[1])
        #expect(closedFiles[0] == closedFiles[1])
    }

    /// Which path each append took, told from outside: a roll (a new active segment) or a zero fill (the file
    /// grew) writes and syncs the old way; any other group commit is one durable write and nothing else.
    @Test func zeroFillsAndRollsGoTheOldWay() throws {
        let directory = TemporaryDirectory()
        let storage = RecordingStorage()
        let log = try Log.open(
            directory: directory.path,
            configuration: LogConfiguration(segmentSizeBytes: 24 << 10, preallocationStepBytes: 4096),
            storage: storage)
        var factory = RecordFactory(seed: 92)
        var expected: [LogRecord] = []
        var (rollCount, zeroFillCount, durableCount) = (0, 0, 0)
        for _ in 0..<600 {
            let segment = Self.activeSegment(directory)
            let fileSizeBytes = directory.bytes(segment).count
            let (writes, syncs, durable) = (
                storage.writeCount, storage.datasyncCount, storage.durableWriteChunkCounts.count
            )
            expected += try appendAll(log, [factory.batch(countMax: 3)])
            let rolled = Self.activeSegment(directory) != segment
            let grew = !rolled && directory.bytes(segment).count > fileSizeBytes
            if rolled || grew {
                #expect(storage.durableWriteChunkCounts.count == durable, "a roll or zero fill took the durable write")
                #expect(storage.datasyncCount > syncs)
                #expect(storage.writeCount > writes)
                if rolled { rollCount += 1 } else { zeroFillCount += 1 }
            } else {
                #expect(
                    storage.durableWriteChunkCounts.count == durable + 1,
                    "an append inside the tail was not one durable write")
                #expect(storage.datasyncCount == syncs)
                #expect(storage.writeCount == writes)
                durableCount += 1
            }
        }
        try log.close()
        #expect(rollCount >= 2)
        #expect(zeroFillCount >= 10)
        #expect(durableCount >= 300)
        #expect(try readAll(directory.path) == expected)
        #expect(verifyLog(directory: directory.path).ok)
    }

    enum OtherWay: String, CaseIterable, Sendable {
        case interval, none, preallocationOff
        var configuration: LogConfiguration {
            switch self {
            case .interval: LogConfiguration(durability: .interval(milliseconds: 5))
            case .none: LogConfiguration(durability: .none)
            case .preallocationOff: LogConfiguration(preallocationStepBytes: 0)
            }
        }
    }

    /// `.interval` and `.none` durability, and group commit without a preallocated tail, never write durably.
    @Test(arguments: OtherWay.allCases)
    func otherDurabilitiesAndNoTailKeepWriteAndSync(_ way: OtherWay) throws {
        let directory = TemporaryDirectory()
        let storage = RecordingStorage()
        let log = try Log.open(directory: directory.path, configuration: way.configuration, storage: storage)
        var factory = RecordFactory(seed: 93)
        let expected = try appendAll(log, (0..<40).map { _ in factory.batch(countMax: 3) })
        try log.close()
        #expect(storage.durableWriteChunkCounts.isEmpty)
        #expect(try readAll(directory.path) == expected)
    }

    enum Failure: String, CaseIterable, Sendable {
        /// `pwritev2` fails before writing.
        case beforeWriting
        /// The bytes are written, the sync of their range fails.
        case afterWriting
        /// The default's `fdatasync` fails (EIO).
        case defaultSync
        /// The default's write stores 10 bytes, then fails with ENOSPC: inside the tail that is not the `.diskFull`
        /// of a growing write but an unknown outcome.
        case defaultWriteDiskFull
    }

    /// A failed durable write puts the log in the failed state as a failed `fdatasync` does: the append throws
    /// `.failed`, every later append too, and a reopen holds every acknowledged record (the failed one may or may
    /// not be there).
    @Test(arguments: Failure.allCases)
    func aFailedDurableWriteFailsTheLog(_ failure: Failure) throws {
        let directory = TemporaryDirectory()
        let recording = RecordingStorage()
        let faulty = FaultyStorage()
        let usesDefault = failure == .defaultSync || failure == .defaultWriteDiskFull
        let storage: any LogStorage = usesDefault ? faulty : recording
        let log = try Log.open(directory: directory.path, configuration: .init(), storage: storage)
        var factory = RecordFactory(seed: 94)
        let acknowledged = try appendAll(log, (0..<4).map { _ in factory.batch(countMax: 3) })
        switch failure {
        case .beforeWriting: recording.nextDurableWriteFault = .beforeWriting
        case .afterWriting: recording.nextDurableWriteFault = .afterWriting
        case .defaultSync: faulty.failSyncs = true
        case .defaultWriteDiskFull: faulty.failNextWriteAfterBytes = 10
        }
        #expect {
            try log.append(factory.batch(countMax: 3))
        } throws: { ($0 as? LogError)?.code == .failed }
        if !usesDefault {
            #expect(recording.durableWriteChunkCounts.count == 4, "the failing append was not one durable write")
        }
        faulty.failSyncs = false
        #expect(log.failedState?.code == .failed)
        #expect(log.durableNextSeq == UInt64(acknowledged.count) + 1)
        #expect {
            try log.append([factory.record()])
        } throws: { ($0 as? LogError)?.code == .failed }
        try? log.close()
        let reopened = try Log.open(directory: directory.path)
        let records = try readAll(directory.path)
        #expect(Array(records.prefix(acknowledged.count)) == acknowledged)
        #expect(records.count <= acknowledged.count + 3)
        if failure == .beforeWriting { #expect(records.count == acknowledged.count) }
        try reopened.append([factory.record()])
        try reopened.close()
        #expect(verifyLog(directory: directory.path).ok)
    }

    /// A failed durable write cuts nothing (its outcome is unknown; the log fail-stops), so after an acknowledged
    /// batch that went 1 KiB off into the zeros (a misdirected write) the evidence stays: the next open reports
    /// corruption instead of taking the zeros for the clean end.
    @Test func failedDurableWriteAfterAMisdirectedBatchIsReported() throws {
        let directory = TemporaryDirectory()
        let storage = FaultyStorage()
        var factory = RecordFactory(seed: 95)
        let log = try Log.open(directory: directory.path, configuration: .init(), storage: storage)
        _ = try appendAll(log, (0..<3).map { _ in factory.batch(countMax: 3) })
        storage.misdirectNextWriteByBytes = 1024
        _ = try appendAll(log, [factory.batch(countMax: 3)])
        storage.failNextWriteAfterBytes = 10
        #expect {
            try log.append([factory.record()])
        } throws: { ($0 as? LogError)?.code == .failed }
        try? log.close()
        #expect {
            try Log.open(directory: directory.path)
        } throws: { ($0 as? LogError)?.code == .corruptRecord }
    }

    /// The rest of a short durable write: whatever prefix `pwritev2` wrote, `finishDurableWrite` writes exactly the
    /// remaining bytes where they belong, then syncs once.
    @Test func aShortDurableWriteIsFinished() throws {
        let directory = TemporaryDirectory()
        let chunks: [[UInt8]] = [[1, 2, 3], [4], [5, 6, 7, 8, 9], [10, 11]]
        let whole = chunks.flatMap { $0 }
        let offset: UInt64 = 100
        for writtenBytes in 0...whole.count {
            let storage = RecordingStorage()
            let path = directory.file("short-\(writtenBytes)")
            let file = try storage.open(path, .createExclusive)
            defer { storage.close(file) }
            try PosixStorage().write(file, Array(whole[0..<writtenBytes]), at: offset)  // what pwritev2 wrote
            try storage.finishDurableWrite(file, chunks, at: offset, writtenBytes: writtenBytes)
            let bytes = directory.bytes("short-\(writtenBytes)")
            #expect(Array(bytes[Int(offset)...]) == whole, "after \(writtenBytes) bytes")
            #expect(bytes[0..<Int(offset)].allSatisfy { $0 == 0 })
            #expect(storage.datasyncCount == 1)
            let unfinishedChunkCount = chunks.indices.count { index in
                chunks[0...index].reduce(0) { $0 + $1.count } > writtenBytes
            }
            #expect(storage.writeCount == unfinishedChunkCount, "after \(writtenBytes) bytes")
        }
    }

    /// `PosixStorage.writeDurably` itself: the chunks land back to back at the offset, over written zeros.
    @Test func posixDurableWriteLandsTheChunks() throws {
        let directory = TemporaryDirectory()
        let storage = PosixStorage()
        let file = try storage.open(directory.file("f"), .createExclusive)
        defer { storage.close(file) }
        try storage.write(file, [UInt8](repeating: 0, count: 8192), at: 0)
        try storage.datasync(file)
        let chunks: [[UInt8]] = (1...5).map { [UInt8](repeating: UInt8($0), count: 100 * $0) }
        try storage.writeDurably(file, chunks, at: 1000)
        let bytes = directory.bytes("f")
        #expect(bytes.count == 8192)
        #expect(Array(bytes[1000..<2500]) == chunks.flatMap { $0 })
        #expect(bytes[0..<1000].allSatisfy { $0 == 0 } && bytes[2500...].allSatisfy { $0 == 0 })
    }
}
