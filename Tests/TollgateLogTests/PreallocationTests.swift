import Foundation
import Testing

@testable import TollgateLog

/// The preallocated tail (docs/log-format.md, "Preallocated tail"): the writer fills the active raw segment with
/// written zeros ahead of its records; readers end cleanly at the zeros, a kill leaves them and the next open keeps
/// them, a roll and a clean close cut them off so the files are the same bytes as without preallocation.
@Suite struct PreallocationTests {
    private static let stepBytes: UInt64 = 64 << 10

    private func configuration(step: UInt64 = stepBytes, segmentSizeBytes: UInt64 = 64 << 20) -> LogConfiguration {
        LogConfiguration(segmentSizeBytes: segmentSizeBytes, durability: .none, preallocationStepBytes: step)
    }

    /// Every segment file of a directory, by name.
    private func files(_ directory: TemporaryDirectory) -> [String: [UInt8]] {
        Dictionary(uniqueKeysWithValues: directory.segmentNames.map { ($0, directory.bytes($0)) })
    }

    /// Where the records of the (only) raw segment end: its size after a clean close.
    private func activeFileSizeBytes(_ directory: TemporaryDirectory) -> Int {
        directory.bytes(directory.segmentNames.last!).count
    }

    @Test func appendsIntoThePreallocatedSegmentReadBack() throws {
        let directory = TemporaryDirectory()
        var factory = RecordFactory(seed: 41)
        let log = try openFast(directory.path, configuration())
        var expected: [LogRecord] = []
        for round in 0..<40 {
            expected += try appendAll(log, [factory.batch(countMax: 5)])
            let sizeBytes = activeFileSizeBytes(directory)
            let end = log.durableEnd.segmentSizeBytes
            #expect(UInt64(sizeBytes) > end, "round \(round): the file holds zeros after the records")
            #expect(UInt64(sizeBytes) <= end + LogLimits.preallocationGuardBytes + Self.stepBytes + 4096)
            let bytes = directory.bytes(directory.segmentNames.last!)
            #expect(bytes[Int(end)...].allSatisfy { $0 == 0 })
        }
        #expect(try readAll(directory.path) == expected)
        let verification = verifyLog(directory: directory.path)
        #expect(verification.ok && verification.tornTail == nil && verification.recordCount == UInt64(expected.count))
        let end = log.durableEnd.segmentSizeBytes
        try log.close()
        #expect(UInt64(activeFileSizeBytes(directory)) == end, "a clean close cuts the zeros off")
        #expect(try readAll(directory.path) == expected)
    }

    /// The same appends with preallocation off and on (small and large steps, rolling small segments) leave the
    /// same files after a clean close: sealed segments and the raw one byte for byte.
    @Test(arguments: [512 as UInt64, 8 << 10, 1 << 20])
    func cleanCloseAndRollsAreTheSameBytesAsWithout(step: UInt64) throws {
        let plain = TemporaryDirectory()
        let preallocated = TemporaryDirectory()
        for (directory, stepBytes) in [(plain, 0 as UInt64), (preallocated, step)] {
            var factory = RecordFactory(seed: 42)
            factory.bodySizeBytesMax = 300
            let log = try openFast(directory.path, configuration(step: stepBytes, segmentSizeBytes: 24 << 10))
            for _ in 0..<300 { _ = try log.append(factory.batch(countMax: 4)) }
            try log.close()
        }
        let plainFiles = files(plain)
        #expect(plainFiles.keys.filter { $0.hasSuffix(".lz4") }.count >= 3, "the workload must roll")
        #expect(files(preallocated) == plainFiles)
    }

    /// What a kill -9 leaves (the log dropped without `close`: its zeros stay): the copy reopens with every record,
    /// no torn tail, keeps appending into the zeros, and closes to the same bytes as a log that never crashed.
    @Test func killedLogReopensCleanAndAppends() throws {
        let directory = TemporaryDirectory()
        let reference = TemporaryDirectory()
        var factory = RecordFactory(seed: 43)
        let batches = (0..<30).map { _ in factory.batch(countMax: 4) }
        do {
            let log = try openFast(directory.path, configuration())
            _ = try appendAll(log, Array(batches[0..<20]))
            let end = log.durableEnd.segmentSizeBytes
            #expect(UInt64(activeFileSizeBytes(directory)) > end)
        }  // dropped, not closed: the zeros stay as after a kill
        let reopened = try openFast(directory.path, configuration())
        #expect(reopened.recoveryReport.isClean, "\(reopened.recoveryReport)")
        #expect(reopened.recoveryReport.tornTailBytesTruncated == 0)
        _ = try appendAll(reopened, Array(batches[20...]))
        try reopened.close()
        let plain = try openFast(reference.path, configuration(step: 0))
        let expected = try appendAll(plain, batches)
        try plain.close()
        #expect(try readAll(directory.path) == expected)
        #expect(files(directory) == files(reference))
    }

    /// A kill during `pwrite` into the zeros leaves the batch's first bytes and zeros after them: for every such
    /// cut the batch is a torn tail (truncated, reported), never corruption; the records before it all survive.
    @Test func writeCutShortInsideTheZerosIsATornTail() throws {
        let directory = TemporaryDirectory()
        var factory = RecordFactory(seed: 44)
        factory.bodySizeBytesMax = 60
        var expected: [LogRecord] = []
        let (lastStart, lastEnd): (Int, Int)
        do {
            let log = try openFast(directory.path, configuration())
            expected = try appendAll(log, (0..<10).map { _ in factory.batch(countMax: 3) })
            lastStart = Int(log.durableEnd.segmentSizeBytes)
            _ = try log.append(factory.batch(countMax: 4).map { RecordInput(timeMs: $0.timeMs, type: $0.type, body: $0.body + [7]) })
            lastEnd = Int(log.durableEnd.segmentSizeBytes)
        }
        let name = directory.segmentNames.last!
        let original = directory.bytes(name)
        #expect(original.count > lastEnd)
        for cut in (lastStart + 1)..<lastEnd {
            var bytes = original
            for index in cut..<lastEnd { bytes[index] = 0 }
            directory.write(name, bytes)
            let verification = verifyLog(directory: directory.path)
            #expect(verification.ok, "cut \(cut): \(verification.problems)")
            #expect(verification.tornTail?.offset == UInt64(lastStart), "cut \(cut)")
            let log = try openFast(directory.path, configuration())
            #expect(log.nextSeq == UInt64(expected.count) + 1, "cut \(cut)")
            #expect(log.recoveryReport.tornTailOffset == UInt64(lastStart), "cut \(cut)")
            try log.close()
            #expect(try readAll(directory.path) == expected, "cut \(cut)")
        }
    }

    /// Non-zero bytes after the zeros, or a changed byte in the last batch itself, are not a torn tail: strict
    /// opening reports corruption.
    @Test(arguments: ["junk after a zero header", "last byte of the last batch"])
    func damageInOrAfterThePreallocatedTailIsCorruption(case damage: String) throws {
        let directory = TemporaryDirectory()
        var factory = RecordFactory(seed: 45)
        let end: Int
        do {
            let log = try openFast(directory.path, configuration())
            _ = try appendAll(
                log,
                (0..<8).map { _ in
                    factory.batch(countMax: 3).map { RecordInput(timeMs: $0.timeMs, type: $0.type, body: $0.body + [9]) }
                })
            end = Int(log.durableEnd.segmentSizeBytes)
        }
        let name = directory.segmentNames.last!
        var bytes = directory.bytes(name)
        if damage == "junk after a zero header" {
            bytes[end + 100] = 0x5A
        } else {
            bytes[end - 1] ^= 0x10
        }
        directory.write(name, bytes)
        #expect(!verifyLog(directory: directory.path).ok)
        #expect {
            try openFast(directory.path, configuration())
        } throws: { ($0 as? LogError)?.code == .corruptRecord }
    }

    /// A reader of a live log stops cleanly at the zeros (no torn tail) and a later read sees the next append.
    @Test func liveReaderStopsAtTheZerosAndSeesTheNextAppend() throws {
        let directory = TemporaryDirectory()
        var factory = RecordFactory(seed: 46)
        let log = try openFast(directory.path, configuration())
        let first = try appendAll(log, (0..<5).map { _ in factory.batch(countMax: 3) })
        var reader = try LogReader(directory: directory.path, fromSeq: 1)
        var seen: [LogRecord] = []
        while let record = try reader.next() { seen.append(record) }
        #expect(seen == first)
        #expect(reader.tornTail == nil)
        let second = try appendAll(log, [factory.batch(countMax: 3)])
        #expect(try reader.next() == nil, "a finished reader stays finished")
        var follow = try LogReader(directory: directory.path, fromSeq: UInt64(first.count) + 1)
        var next: [LogRecord] = []
        while let record = try follow.next() { next.append(record) }
        #expect(next == second)
        #expect(follow.tornTail == nil)
        try log.close()
    }

    /// A failed write of zeros is a failed append: nothing acknowledged, `.diskFull` for ENOSPC, the log stays
    /// usable, and the reopened log holds exactly the acknowledged records.
    @Test func failedZeroWriteIsAFailedAppend() throws {
        let directory = TemporaryDirectory()
        let storage = FaultyStorage()
        var factory = RecordFactory(seed: 47)
        let log = try Log.open(
            directory: directory.path, configuration: configuration(step: 4096, segmentSizeBytes: 1 << 20),
            storage: storage)
        var expected = try appendAll(log, [factory.batch(countMax: 3)])
        // Append until the next append needs zeros, then make that zero write fail half-way.
        var failed = false
        for _ in 0..<10_000 where !failed {
            let batch = factory.batch(countMax: 3)
            let encoded = UInt64(BatchCodec.encodedSizeBytes(batch))
            let fileSizeBytes = UInt64(activeFileSizeBytes(directory))
            if log.durableEnd.segmentSizeBytes + encoded > fileSizeBytes {
                storage.failNextWriteAfterBytes = 100
                #expect {
                    try log.append(batch)
                } throws: { ($0 as? LogError)?.code == .diskFull }
                failed = true
            } else {
                expected += try appendAll(log, [batch])
            }
        }
        #expect(failed)
        #expect(log.failedState == nil)
        #expect(UInt64(activeFileSizeBytes(directory)) == log.durableEnd.segmentSizeBytes, "cut back to the records")
        expected += try appendAll(log, [factory.batch(countMax: 3)])
        try log.close()
        let reopened = try Log.open(directory: directory.path, configuration: configuration(step: 4096))
        #expect(reopened.recoveryReport.isClean)
        try reopened.close()
        #expect(try readAll(directory.path) == expected)
    }
}

extension PreallocationTests {
    /// The last acknowledged batch written 1 KiB off, into the zeros (a misdirected write): cutting the zeros off at
    /// close would leave zeros where it belongs, which read as the clean end. Close reads it back first, rewrites it
    /// and fails; the reopened log holds it.
    @Test func misdirectedLastBatchIsRepairedBeforeTheZerosAreCut() throws {
        let directory = TemporaryDirectory()
        let storage = FaultyStorage()
        var factory = RecordFactory(seed: 48)
        let log = try Log.open(
            directory: directory.path, configuration: LogConfiguration(preallocationStepBytes: 64 << 10),
            storage: storage)
        var expected = try appendAll(log, (0..<3).map { _ in factory.batch(countMax: 3) })
        storage.misdirectNextWriteByBytes = 1024
        expected += try appendAll(log, [factory.batch(countMax: 3)])  // acknowledged, but not where it belongs
        #expect {
            try log.close()
        } throws: { ($0 as? LogError)?.code == .failed }
        let reopened = try Log.open(directory: directory.path)
        #expect(reopened.nextSeq == UInt64(expected.count) + 1, "an acknowledged batch was taken for the end")
        try reopened.close()
        #expect(try readAll(directory.path) == expected)
        #expect(verifyLog(directory: directory.path).ok)
    }
}
