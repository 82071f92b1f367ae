import Foundation
import Testing

@testable import TollgateLog

@Suite struct ConcurrencyTests {
    /// Many appenders, tiny segments: groups that roll and seal segments mid-group stay contiguous and intact.
    @Test func concurrentAppendersAcrossRolls() throws {
        let directory = TemporaryDirectory()
        let log = try openFast(directory.path, .init(segmentSizeBytes: 600))
        let threadCount = 6
        let appendCount = 30
        let lock = NSLock()
        nonisolated(unsafe) var appended: [UInt64: RecordInput] = [:]
        DispatchQueue.concurrentPerform(iterations: threadCount) { thread in
            for i in 0..<appendCount {
                let batch = (0..<(1 + i % 3)).map { j in
                    RecordInput(timeMs: 7, type: UInt8(thread), body: Array("t\(thread) a\(i) r\(j)".utf8))
                }
                let first = try! log.append(batch)
                lock.withLock { for (j, record) in batch.enumerated() { appended[first + UInt64(j)] = record } }
            }
        }
        try log.close()
        let records = try readAll(directory.path)
        #expect(records.count == appended.count)
        for record in records { #expect(record == appended[record.seq]!.expected(seq: record.seq)) }
        let verification = verifyLog(directory: directory.path)
        #expect(verification.ok && verification.sealedSegmentCount > 5)
    }

    /// Readers running while a writer appends and seals see a contiguous, intact prefix every time.
    @Test func readersDuringAppendsAndSeals() throws {
        let directory = TemporaryDirectory()
        let log = try openFast(directory.path, .init(segmentSizeBytes: 1000, durability: .none))
        var factory = RecordFactory(seed: 51)
        let batches = (0..<400).map { _ in factory.batch(countMax: 4) }
        let expected = batches.reduce(into: [LogRecord]()) { all, batch in
            for record in batch { all.append(record.expected(seq: UInt64(all.count) + 1)) }
        }
        let done = NSLock()
        nonisolated(unsafe) var writerDone = false
        let writer = Thread {
            for batch in batches { try! log.append(batch) }
            done.withLock { writerDone = true }
        }
        writer.start()
        var reads = 0
        while !done.withLock({ writerDone }) || reads < 3 {
            let records = try readAll(directory.path)
            #expect(records == Array(expected.prefix(records.count)))
            reads += 1
        }
        try log.close()
        #expect(try readAll(directory.path) == expected)
    }
}
