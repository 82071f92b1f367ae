import Foundation
import Testing

@testable import TollgateLog

/// `LogReader.withNext` (a borrowed view of each record) reads exactly what `next()` reads.
@Suite struct BorrowedReadTests {
    /// Sealed segments and a raw one: single records and batches until a few segments are sealed.
    private func mixedLog(_ directory: TemporaryDirectory) throws -> [LogRecord] {
        var factory = RecordFactory(seed: 77)
        let log = try Log.open(
            directory: directory.path, configuration: .init(segmentSizeBytes: 64 << 10, durability: .none))
        var expected: [LogRecord] = []
        while !FileManager.default.fileExists(atPath: directory.file(SegmentName.sealed(1))) || expected.count < 6_000 {
            expected += try appendAll(log, [factory.batch(countMax: 8)])
        }
        try log.close()
        return expected
    }

    /// Every record through `withNext`, copied out inside the closure.
    private func borrowedRecords(_ directory: String, fromSeq: UInt64) throws -> [LogRecord] {
        var reader = try LogReader(directory: directory, fromSeq: fromSeq)
        var records: [LogRecord] = []
        while try reader.withNext({ view in
            #expect(view.body.count == view.record.body.count)
            records.append(view.record)
            return true
        }) != nil {}
        return records
    }

    /// The error that stops reading `directory` with `read` (called until it returns false), nil when none does.
    static func failure(_ directory: TemporaryDirectory, _ read: (inout LogReader) throws(LogError) -> Bool)
        -> String?
    {
        do throws(LogError) {
            var reader = try LogReader(directory: directory.path)
            while try read(&reader) {}
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test(arguments: [1, 2, 1_000, 4_321] as [UInt64])
    func borrowedRecordsAreTheRecordsNextReturns(fromSeq: UInt64) throws {
        let directory = TemporaryDirectory()
        let expected = try mixedLog(directory)
        var reader = try LogReader(directory: directory.path, fromSeq: fromSeq)
        var owned: [LogRecord] = []
        while let record = try reader.next() { owned.append(record) }
        #expect(owned == Array(expected.dropFirst(Int(fromSeq) - 1)))
        #expect(try borrowedRecords(directory.path, fromSeq: fromSeq) == owned)
    }

    @Test func theClosuresAnswerIsReturnedAndTheEndIsNil() throws {
        let directory = TemporaryDirectory()
        let expected = try mixedLog(directory)
        var reader = try LogReader(directory: directory.path)
        var answers: [Bool] = []
        while let answer = try reader.withNext({ $0.seq % 3 != 0 }) { answers.append(answer) }
        #expect(answers == expected.map { $0.seq % 3 != 0 })
        #expect(try reader.withNext { _ in true } == nil)
    }

    @Test func aFlippedByteFailsTheSameWayInBothReads() throws {
        let directory = TemporaryDirectory()
        _ = try mixedLog(directory)
        let path = directory.file(SegmentName.sealed(1))
        var bytes = directory.bytes(SegmentName.sealed(1))
        bytes[bytes.count / 2] ^= 0x40
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let owned = Self.failure(directory) { reader throws(LogError) in try reader.next() != nil }
        let borrowed = Self.failure(directory) { reader throws(LogError) in try reader.withNext { _ in true } != nil }
        #expect(owned != nil)
        #expect(borrowed == owned)
    }

    /// `withEachBatch` hands the same records, in the same order, as `next()` — taking the rest of each batch or
    /// only some of its records and stopping there (the next call starts after the last record taken), from every
    /// kind of start.
    @Test(arguments: [1, 2, 1_000, 4_321] as [UInt64])
    func batchReadsAreTheRecordsNextReturns(fromSeq: UInt64) throws {
        let directory = TemporaryDirectory()
        let expected = Array(try mixedLog(directory).dropFirst(Int(fromSeq) - 1))
        var random = SplitMix64(seed: fromSeq)
        var reader = try LogReader(directory: directory.path, fromSeq: fromSeq)
        var records: [LogRecord] = []
        var calls = 0
        while true {
            calls += 1
            try #require(calls < 100_000)
            let stopped = try reader.withEachBatch { batch in
                #expect(batch.recordCount >= 1 && batch.firstSeq == UInt64(records.count) + fromSeq)
                // Take all, or stop after a random number of records (sometimes the last one).
                let want =
                    random.next() % 3 == 0 ? batch.recordCount : 1 + Int(random.next() % UInt64(batch.recordCount))
                var taken = 0
                for record in batch {
                    records.append(record.record)
                    taken += 1
                    if taken == want && random.next() % 2 == 0 {
                        return LogRecordBatch.Progress(recordCount: taken, stopped: true)
                    }
                }
                #expect(taken == batch.recordCount)
                return LogRecordBatch.Progress(recordCount: taken, stopped: false)
            }
            if !stopped { break }
        }
        #expect(records == expected)
        let more = try reader.withEachBatch { LogRecordBatch.Progress(recordCount: $0.recordCount, stopped: false) }
        #expect(more == false)
    }

    @Test func aFlippedByteFailsTheSameWayInABatchRead() throws {
        let directory = TemporaryDirectory()
        _ = try mixedLog(directory)
        var bytes = directory.bytes(SegmentName.sealed(1))
        bytes[bytes.count / 2] ^= 0x40
        try Data(bytes).write(to: URL(fileURLWithPath: directory.file(SegmentName.sealed(1))))
        let owned = Self.failure(directory) { reader throws(LogError) in try reader.next() != nil }
        let batched = Self.failure(directory) { reader throws(LogError) in
            try reader.withEachBatch { LogRecordBatch.Progress(recordCount: $0.recordCount, stopped: false) }
        }
        #expect(owned != nil)
        #expect(batched == owned)
    }
}
