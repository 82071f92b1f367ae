import Foundation
import Testing

@testable import TollgateLog

/// Cut the active segment at every byte offset of its last records: the log reopens with exactly the whole
/// appends before the cut, reports the truncation, and goes on appending.
@Suite struct TornTailTests {
    /// Builds a log with one sealed segment and an active one whose last `tailAppendCount` appends are single records.
    private func makeLog(_ directory: TemporaryDirectory, tailAppendCount: Int, multiRecordTail: Bool)
        throws -> (expected: [LogRecord], activeName: String, appendEnds: [UInt64])
    {
        var factory = RecordFactory(seed: 3)
        factory.bodySizeBytesMax = 40
        let log = try openFast(directory.path, .init(segmentSizeBytes: 2048, durability: .none))
        var expected = try appendAll(log, (0..<30).map { _ in factory.batch(countMax: 3) })
        let activeName = SegmentName.raw(
            try #require(directory.segmentNames.last.flatMap { SegmentName.parse($0) }).baseSeq)
        var appendEnds: [UInt64] = []  // file size after each tail append, i.e. whole-batch boundaries
        appendEnds.append(UInt64(directory.bytes(activeName).count))
        for _ in 0..<tailAppendCount {
            expected += try appendAll(log, [multiRecordTail ? factory.batch(countMax: 4) : [factory.record()]])
            appendEnds.append(UInt64(directory.bytes(activeName).count))
        }
        try log.close()
        #expect(directory.segmentNames.last == activeName, "the tail appends must stay in one segment")
        return (expected, activeName, appendEnds)
    }

    @Test(arguments: [false, true])
    func cutAtEveryByteOfTheLastAppends(multiRecordTail: Bool) throws {
        let directory = TemporaryDirectory()
        let (expected, activeName, appendEnds) = try makeLog(
            directory, tailAppendCount: 4, multiRecordTail: multiRecordTail)
        let original = directory.bytes(activeName)
        let baseSeq = SegmentName.parse(activeName)!.baseSeq
        // Records before the tail appends.
        let tailRecordCounts = try tailCounts(
            expected: expected, directory: directory, appendEnds: appendEnds, baseSeq: baseSeq)
        let firstCut = Int(appendEnds[0])
        for cut in firstCut..<original.count {
            directory.write(activeName, Array(original[0..<cut]))
            // Whole appends that end at or before the cut survive.
            let wholeAppends = appendEnds.dropFirst().filter { $0 <= UInt64(cut) }.count
            let survivingCount = expected.count - tailRecordCounts[wholeAppends...].reduce(0, +)
            let verification = verifyLog(directory: directory.path)
            #expect(verification.ok, "cut \(cut): \(verification.problems)")
            #expect(verification.recordCount == UInt64(survivingCount))
            let log = try openFast(directory.path, .init(segmentSizeBytes: 2048))
            #expect(log.nextSeq == UInt64(survivingCount) + 1, "cut \(cut)")
            let goodEnd = appendEnds[wholeAppends]
            #expect(log.recoveryReport.tornTailBytesTruncated == UInt64(cut) - goodEnd, "cut \(cut)")
            if UInt64(cut) != goodEnd {
                #expect(log.recoveryReport.tornTailFile == activeName)
            } else {
                #expect(log.recoveryReport.isClean)
            }
            try log.close()
            #expect(try readAll(directory.path) == Array(expected.prefix(survivingCount)), "cut \(cut)")
        }
        directory.write(activeName, original)
        #expect(try readAll(directory.path) == expected)
    }

    /// Record counts of the tail appends, from the batch headers at the recorded boundaries.
    private func tailCounts(expected: [LogRecord], directory: TemporaryDirectory, appendEnds: [UInt64], baseSeq: UInt64)
        throws -> [Int]
    {
        let bytes = directory.bytes(SegmentName.raw(baseSeq))
        return appendEnds.dropLast().map { start in
            bytes.withUnsafeBytes { raw in
                Int(raw.getUInt32(at: Int(start) + 12))
            }
        }
    }

    /// A crash while creating a new segment (its header torn) loses nothing: the segment is recreated.
    @Test func tornSegmentHeader() throws {
        let directory = TemporaryDirectory()
        var factory = RecordFactory(seed: 4)
        let log = try openFast(directory.path, .init(segmentSizeBytes: 512, durability: .none))
        let expected = try appendAll(log, (0..<20).map { _ in factory.batch(countMax: 3) })
        try log.close()
        let activeName = directory.segmentNames.last!
        let original = directory.bytes(activeName)
        // Empty the active segment's records away, then cut into its header.
        let sealedCount =
            expected.count - (try readAll(directory.path, fromSeq: SegmentName.parse(activeName)!.baseSeq).count)
        for cut in 0..<SegmentHeader.sizeBytes {
            directory.write(activeName, Array(original[0..<cut]))
            let log = try openFast(directory.path, .init(segmentSizeBytes: 512))
            #expect(log.nextSeq == UInt64(sealedCount) + 1, "cut \(cut)")
            #expect(!log.recoveryReport.isClean)
            try log.append([RecordInput(timeMs: expected.last!.timeMs, type: 9, body: [9])])
            try log.close()
            let records = try readAll(directory.path)
            #expect(records.count == sealedCount + 1)
            #expect(Array(records.prefix(sealedCount)) == Array(expected.prefix(sealedCount)))
            #expect(verifyLog(directory: directory.path).ok)
        }
    }

    /// Zeros after the last batch (a preallocated tail left by a kill, or a size that reached the disk before its
    /// data) end the log cleanly: not a torn tail since preallocation (docs/log-format.md, "Preallocated tail").
    /// Opening keeps them for the next appends; a clean close cuts them off.
    @Test func zeroFilledTailIsTheCleanEnd() throws {
        let directory = TemporaryDirectory()
        var factory = RecordFactory(seed: 5)
        let log = try openFast(directory.path)
        var expected = try appendAll(log, (0..<5).map { _ in factory.batch(countMax: 3) })
        try log.close()
        let name = directory.segmentNames.last!
        let closedBytes = directory.bytes(name)
        directory.write(name, closedBytes + [UInt8](repeating: 0, count: 4096))
        let verification = verifyLog(directory: directory.path)
        #expect(verification.ok && verification.tornTail == nil)
        #expect(try readAll(directory.path) == expected)
        let reopened = try openFast(directory.path)
        #expect(reopened.recoveryReport.isClean)
        #expect(reopened.recoveryReport.tornTailBytesTruncated == 0)
        try reopened.close()
        #expect(directory.bytes(name) == closedBytes, "a clean close cuts the zeros off")
        directory.write(name, closedBytes + [UInt8](repeating: 0, count: 100))
        let again = try openFast(directory.path)
        expected += try appendAll(again, [factory.batch(countMax: 3)])
        try again.close()
        #expect(try readAll(directory.path) == expected)
    }
}
