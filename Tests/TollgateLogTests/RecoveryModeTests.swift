import Foundation
import Testing

@testable import TollgateLog

/// A bad record that is not a torn tail: strict opening fails naming file, offset and seq;
/// `.truncateAfterLastGood` cuts the log after the last good record.
@Suite struct RecoveryModeTests {
    @Test func corruptionMidActiveSegment() throws {
        let directory = TemporaryDirectory()
        var factory = RecordFactory(seed: 41)
        let log = try openFast(directory.path)
        var expected: [LogRecord] = []
        var secondBatchOffset = 0
        for i in 0..<5 {
            // Where the records end (the file may hold preallocated zeros after them while the log is open).
            if i == 1 { secondBatchOffset = Int(log.durableEnd.segmentSizeBytes) }
            expected += try appendAll(log, [factory.batch(countMax: 3)])
        }
        try log.close()
        let secondBatchSeq = try readAll(directory.path).count > 0 ? UInt64(1 + (try firstBatchCount(directory))) : 0
        var bytes = directory.bytes(SegmentName.raw(1))
        bytes[secondBatchOffset + BatchHeader.sizeBytes + RecordHeader.sizeBytes - 1] ^= 0x10  // a record type byte
        directory.write(SegmentName.raw(1), bytes)

        #expect {
            try openFast(directory.path)
        } throws: { error in
            guard let error = error as? LogError else { return false }
            return error.code == .corruptRecord && error.file == SegmentName.raw(1)
                && error.offset == UInt64(secondBatchOffset + BatchHeader.sizeBytes) && error.seq == secondBatchSeq
                && error.description.contains(SegmentName.raw(1))
        }
        let recovered = try openFast(directory.path, .init(recovery: .truncateAfterLastGood))
        #expect(recovered.nextSeq == secondBatchSeq)
        #expect(recovered.recoveryReport.truncatedAfterCorruption?.seq == secondBatchSeq)
        try recovered.append([factory.record()])
        try recovered.close()
        let records = try readAll(directory.path)
        #expect(Array(records.prefix(Int(secondBatchSeq) - 1)) == Array(expected.prefix(Int(secondBatchSeq) - 1)))
        #expect(records.count == Int(secondBatchSeq))
        #expect(verifyLog(directory: directory.path).ok)
    }

    private func firstBatchCount(_ directory: TemporaryDirectory) throws -> Int {
        directory.bytes(SegmentName.raw(1)).withUnsafeBytes { Int($0.getUInt32(at: SegmentHeader.sizeBytes + 12)) }
    }

    @Test func corruptionInSealedSegment() throws {
        let directory = TemporaryDirectory()
        var factory = RecordFactory(seed: 42)
        let log = try openFast(directory.path, .init(segmentSizeBytes: 2000, durability: .none))
        let expected = try appendAll(log, (0..<80).map { _ in factory.batch(countMax: 3) })
        try log.close()
        let names = directory.segmentNames
        #expect(names.count >= 4)
        let victim = names[1]
        let victimBase = SegmentName.parse(victim)!.baseSeq
        var bytes = directory.bytes(victim)
        bytes[bytes.count / 2] ^= 0x01
        directory.write(victim, bytes)
        #expect {
            try openFast(directory.path)
        } throws: { ($0 as? LogError)?.file == victim }
        let recovered = try openFast(directory.path, .init(segmentSizeBytes: 2000, recovery: .truncateAfterLastGood))
        let nextSeq = recovered.nextSeq
        #expect(nextSeq >= victimBase)
        #expect(recovered.recoveryReport.truncatedAfterCorruption?.file == victim)
        // Everything after the victim is gone; the good prefix of the victim is kept as a raw segment.
        #expect(directory.segmentNames == [names[0], SegmentName.raw(victimBase)])
        var factoryAfter = RecordFactory(seed: 43)
        factoryAfter.timeMs = expected.last!.timeMs
        try appendAll(recovered, (0..<40).map { _ in factoryAfter.batch(countMax: 3) })
        try recovered.close()
        let records = try readAll(directory.path)
        #expect(Array(records.prefix(Int(nextSeq) - 1)) == Array(expected.prefix(Int(nextSeq) - 1)))
        #expect(verifyLog(directory: directory.path).ok)
    }
}
