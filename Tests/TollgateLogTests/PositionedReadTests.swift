import Foundation
import Testing

@testable import TollgateLog

/// A reader started at a ``BatchPosition`` of the raw segment returns what a reader from the start returns from
/// there on, and refuses a position that does not describe a batch of this log.
@Suite struct PositionedReadTests {
    static func fill(_ directory: TemporaryDirectory, batchCount: Int) throws -> Log {
        let log = try Log.open(directory: directory.path, configuration: LogConfiguration(durability: .none))
        for batch in 0..<batchCount {
            let records = (0..<(1 + batch % 4)).map { index in
                RecordInput(timeMs: Int64(batch), type: UInt8(index), body: Array("batch \(batch) record \(index)".utf8))
            }
            _ = try log.append(records)
        }
        return log
    }

    @Test func everyBatchPositionReadsOnLikeTheFullReader() throws {
        let directory = TemporaryDirectory()
        let log = try Self.fill(directory, batchCount: 40)
        #expect(log.durableEnd.nextSeq == log.nextSeq)
        var full = try LogReader(directory: directory.path)
        var all: [LogRecord] = []
        var positions: [UInt64: BatchPosition] = [:]
        while let record = try full.next() {
            all.append(record)
            let position = try #require(full.currentBatchPosition)
            #expect(position.baseSeq <= record.seq)
            positions[position.baseSeq] = position
        }
        #expect(positions.count == 40)
        for position in positions.values {
            var reader = try LogReader(directory: directory.path, at: position)
            var read: [LogRecord] = []
            while let record = try reader.next() { read.append(record) }
            #expect(read == Array(all.drop { $0.seq < position.baseSeq }))
        }
        // The end of the log as the writer reports it: a reader there reads nothing.
        var atEnd = try LogReader(directory: directory.path, at: log.durableEnd.nextBatch)
        #expect(try atEnd.next() == nil)
        try log.close()
    }

    @Test func aWrongPositionIsRefused() throws {
        let directory = TemporaryDirectory()
        let log = try Self.fill(directory, batchCount: 10)
        var full = try LogReader(directory: directory.path)
        var positions: [BatchPosition] = []
        while let _ = try full.next() {
            if let position = full.currentBatchPosition, positions.last != position { positions.append(position) }
        }
        let good = positions[5]
        var wrongChain = good
        wrongChain.chainBefore ^= 1
        var wrongSeq = good
        wrongSeq.baseSeq += 1
        var wrongOffset = good
        wrongOffset.offsetBytes += 4
        for position in [wrongChain, wrongSeq, wrongOffset] {
            #expect(throws: LogError.self) {
                var reader = try LogReader(directory: directory.path, at: position)
                while try reader.next() != nil {}
            }
        }
        var beyond = good
        beyond.offsetBytes = 1 << 40
        #expect(throws: LogError.self) { _ = try LogReader(directory: directory.path, at: beyond) }
        var otherSegment = good
        otherSegment.segmentBaseSeq = 2
        #expect(throws: LogError.self) { _ = try LogReader(directory: directory.path, at: otherSegment) }
        try log.close()
    }
}
