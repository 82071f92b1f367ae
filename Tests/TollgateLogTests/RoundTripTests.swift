import Foundation
import Testing

@testable import TollgateLog

@Suite struct RoundTripTests {
    @Test func emptyLog() throws {
        let directory = TemporaryDirectory()
        let log = try Log.open(directory: directory.path + "/new/nested")
        #expect(log.nextSeq == 1)
        #expect(log.lastTimeMs == nil)
        #expect(log.recoveryReport.isClean)
        try log.close()
        #expect(try readAll(directory.path + "/new/nested").isEmpty)
        #expect(verifyLog(directory: directory.path + "/new/nested").ok)
    }

    /// Random bodies and batch sizes over many segment sizes: everything reads back, from any seq, across reopen.
    @Test(arguments: [128, 300, 1000, 4096, 20_000, 64 << 20] as [UInt64])
    func roundTrip(segmentSizeBytes: UInt64) throws {
        let directory = TemporaryDirectory()
        var factory = RecordFactory(seed: segmentSizeBytes)
        let configuration = LogConfiguration(segmentSizeBytes: segmentSizeBytes, durability: .none)
        var expected: [LogRecord] = []
        for round in 0..<3 {
            let log = try openFast(directory.path, configuration)
            #expect(log.nextSeq == UInt64(expected.count) + 1)
            #expect(log.lastTimeMs == expected.last?.timeMs)
            #expect(log.recoveryReport.isClean, "\(log.recoveryReport)")
            let batches = (0..<40).map { _ in factory.batch(countMax: round == 1 ? 50 : 5) }
            expected += try appendAll(log, batches)
            try log.close()
        }
        #expect(try readAll(directory.path) == expected)
        let verification = verifyLog(directory: directory.path)
        #expect(verification.ok, "\(verification.problems)")
        #expect(verification.recordCount == UInt64(expected.count))
        if segmentSizeBytes < 10_000 { #expect(verification.sealedSegmentCount > 3) }
        // Seek from a sample of seqs (every seq for small logs).
        var random = SplitMix64(seed: 7)
        for _ in 0..<25 {
            let fromSeq = 1 + random.next() % UInt64(expected.count + 2)
            let tail = try readAll(directory.path, fromSeq: fromSeq)
            #expect(tail == Array(expected.dropFirst(Int(fromSeq) - 1)), "from seq \(fromSeq)")
        }
    }

    @Test func seekFromEverySeqAcrossSealedBlocks() throws {
        let directory = TemporaryDirectory()
        var factory = RecordFactory(seed: 99)
        // Segments of ~150 KB hold several 64 KiB LZ4 blocks, so seeking uses the block index.
        let log = try Log.open(
            directory: directory.path, configuration: .init(segmentSizeBytes: 150_000, durability: .none))
        let expected = try appendAll(log, (0..<1000).map { _ in factory.batch(countMax: 20) })
        try log.close()
        #expect(directory.segmentNames.filter { $0.hasSuffix(".lz4") }.count >= 3)
        for fromSeq in stride(from: 1, through: expected.count, by: 37) {
            var reader = try LogReader(directory: directory.path, fromSeq: UInt64(fromSeq))
            for offset in 0..<5 where fromSeq - 1 + offset < expected.count {
                #expect(try reader.next() == expected[fromSeq - 1 + offset])
            }
        }
    }

    /// Every start seq, 1 through one past the end, on a log of sealed and raw segments: exactly the suffix.
    @Test func seekFromEverySeq() throws {
        let directory = TemporaryDirectory()
        var factory = RecordFactory(seed: 17)
        let log = try openFast(directory.path, .init(segmentSizeBytes: 900, durability: .none))
        let expected = try appendAll(log, (0..<150).map { _ in factory.batch(countMax: 4) })
        try log.close()
        #expect(directory.segmentNames.count > 10)
        for fromSeq in 1...(expected.count + 1) {
            let suffix = try readAll(directory.path, fromSeq: UInt64(fromSeq))
            #expect(suffix.count == expected.count - fromSeq + 1, "from seq \(fromSeq)")
            #expect(suffix.first == expected.dropFirst(fromSeq - 1).first, "from seq \(fromSeq)")
        }
        #expect(try readAll(directory.path, fromSeq: 0) == expected)
    }

    @Test func largeBatchesAndBodies() throws {
        let directory = TemporaryDirectory()
        let log = try Log.open(
            directory: directory.path, configuration: .init(segmentSizeBytes: 1 << 20, durability: .none))
        var batches: [[RecordInput]] = []
        batches.append(
            (0..<10_000).map { RecordInput(timeMs: 5, type: 1, body: Array(repeating: UInt8($0 % 251), count: 64)) })
        batches.append([
            RecordInput(timeMs: 6, type: 2, body: Array(repeating: 7, count: LogLimits.recordBodySizeBytesMax))
        ])
        batches.append([RecordInput(timeMs: 6, type: 3, body: [])])
        let expected = try appendAll(log, batches)
        try log.close()
        #expect(try readAll(directory.path) == expected)
        #expect(verifyLog(directory: directory.path).ok)
    }

    @Test func invalidInputAppendsNothing() throws {
        let directory = TemporaryDirectory()
        let log = try Log.open(directory: directory.path)
        try log.append([RecordInput(timeMs: 100, type: 0, body: [1])])
        func code(_ records: [RecordInput]) -> LogError.Code? {
            do {
                try log.append(records)
                return nil
            } catch { return error.code }
        }
        #expect(code([]) == .invalidArgument)
        #expect(code([RecordInput(timeMs: 99, type: 0, body: [])]) == .invalidArgument)  // before the log's last time
        #expect(
            code([RecordInput(timeMs: 101, type: 0, body: []), RecordInput(timeMs: 100, type: 0, body: [])])
                == .invalidArgument)
        #expect(
            code([
                RecordInput(
                    timeMs: 101, type: 0, body: Array(repeating: 0, count: LogLimits.recordBodySizeBytesMax + 1))
            ]) == .invalidArgument)
        #expect(
            code(
                Array(repeating: RecordInput(timeMs: 101, type: 0, body: []), count: LogLimits.batchRecordCountMax + 1))
                == .invalidArgument)
        #expect(log.nextSeq == 2)
        try log.close()
        #expect(code([RecordInput(timeMs: 101, type: 0, body: [])]) == .closed)
        #expect(throws: LogError.self) {
            try Log.open(directory: directory.path, configuration: .init(segmentSizeBytes: 1))
        }
    }

    @Test func secondWriterIsLockedOut() throws {
        let directory = TemporaryDirectory()
        let log = try Log.open(directory: directory.path)
        #expect {
            _ = try Log.open(directory: directory.path)
        } throws: { ($0 as? LogError)?.code == .locked }
        try log.close()
        try Log.open(directory: directory.path).close()
    }

    /// Concurrent appenders share fdatasyncs (group commit) and get contiguous, distinct seqs.
    @Test func concurrentAppendersShareSyncs() throws {
        let directory = TemporaryDirectory()
        let storage = FaultyStorage()
        let log = try Log.open(
            directory: directory.path, configuration: .init(segmentSizeBytes: 64 << 10), storage: storage)
        let threadCount = 8
        let appendCount = 40
        let firstSeqs = NSLock()
        nonisolated(unsafe) var seen: [UInt64] = []
        DispatchQueue.concurrentPerform(iterations: threadCount) { thread in
            for i in 0..<appendCount {
                let first = try! log.append([
                    RecordInput(timeMs: 1, type: UInt8(thread), body: [UInt8(i)]),
                    RecordInput(timeMs: 1, type: UInt8(thread), body: [UInt8(i), 1]),
                ])
                firstSeqs.withLock { seen.append(first) }
            }
        }
        // The appends' syncs (close adds its own: with preallocation it reads the last batch back after a sync
        // before it cuts the zeros off).
        let appendSyncCount = storage.datasyncCount
        try log.close()
        #expect(Set(seen).count == threadCount * appendCount)
        #expect(seen.sorted() == Array(stride(from: 1, to: UInt64(threadCount * appendCount * 2), by: 2)))
        #expect(appendSyncCount <= threadCount * appendCount)
        let records = try readAll(directory.path)
        #expect(records.count == threadCount * appendCount * 2)
        #expect(verifyLog(directory: directory.path).ok)
    }

    @Test func intervalDurability() throws {
        let directory = TemporaryDirectory()
        let storage = FaultyStorage()
        let log = try Log.open(
            directory: directory.path, configuration: .init(durability: .interval(milliseconds: 5)), storage: storage)
        try log.append([RecordInput(timeMs: 1, type: 1, body: [1, 2, 3])])
        var waitedMs = 0
        while storage.datasyncCount == 0 && waitedMs < 2000 {
            usleep(1000)
            waitedMs += 1
        }
        #expect(storage.datasyncCount >= 1)
        try log.close()
        #expect(try readAll(directory.path).count == 1)
    }
}

@Suite struct LargeSegmentTests {
    /// A raw segment larger than the reader's window (8 MiB): batches cross the window's end; then it is sealed
    /// into many LZ4 blocks.
    @Test func batchesCrossTheReadWindow() throws {
        let directory = TemporaryDirectory()
        let log = try Log.open(
            directory: directory.path, configuration: .init(segmentSizeBytes: 12 << 20, durability: .none))
        var random = SplitMix64(seed: 77)
        var expected: [LogRecord] = []
        var sizeBytes = 0
        while sizeBytes < 10 << 20 {
            let count = 500 + Int(random.next() % 1000)
            let batch = (0..<count).map { i in
                RecordInput(
                    timeMs: 1, type: UInt8(i % 3),
                    body: Array(repeating: UInt8(truncatingIfNeeded: random.next()), count: 100))
            }
            sizeBytes += BatchCodec.encodedSizeBytes(batch)
            expected += try appendAll(log, [batch])
        }
        try log.close()
        #expect(directory.segmentNames == [SegmentName.raw(1)])
        #expect(try readAll(directory.path) == expected)
        #expect(verifyLog(directory: directory.path).recordCount == UInt64(expected.count))
        let reopened = try openFast(directory.path, .init(segmentSizeBytes: 12 << 20))
        #expect(reopened.nextSeq == UInt64(expected.count) + 1)
        // Force the roll: this append does not fit, so the 10 MiB segment is sealed.
        let big = RecordInput(timeMs: 2, type: 0, body: Array(repeating: 1, count: LogLimits.recordBodySizeBytesMax))
        try reopened.append([big, big, big])
        try reopened.close()
        #expect(directory.segmentNames.first == SegmentName.sealed(1))
        let tail = try readAll(directory.path, fromSeq: UInt64(expected.count / 2))
        #expect(tail.count == expected.count - expected.count / 2 + 4)
        #expect(verifyLog(directory: directory.path).ok)
    }
}
