import Foundation
import Testing

@testable import TollgateLog

/// A verified replay's log check reuses its reader's pass (`LogReader.checkingRest()`): whatever the reader stopped
/// at — a bound inside a segment or at its edge, the end, the first damage — the answer must be exactly what
/// `verifyLog` reports from scratch: every problem (with its seq, file, offset and detail), the counts, the torn tail
/// and the notes. Damage before, at and after the reader's stop, in every kind of segment.
@Suite struct LogCheckReuseTests {
    /// Reads `directory` the way a verified replay's reader does — in chunks of `chunkRecordCount` records until
    /// the first record past `stopSeq` (nil: the whole log), the end, or a failure, a record at a time or (`batched`,
    /// as the replay reads) a batch at a time — then checks the rest.
    static func checkAfterReading(
        _ directory: String, stopSeq: UInt64?, chunkRecordCount: Int = 7, batched: Bool = false
    ) -> LogVerification {
        var reader: LogReader
        do { reader = try LogReader(directory: directory, fromSeq: 1, storage: PosixStorage.shared) } catch {
            return verifyLog(directory: directory)
        }
        var atBound = false
        var chunkCount = 0
        do {
            while !atBound {  // Bounded by the log's records.
                let stopped = try reader.readChunk(
                    chunkRecordCount: chunkRecordCount, stopSeq: stopSeq, batched: batched, atBound: &atBound)
                chunkCount += 1
                precondition(chunkCount < 1_000_000)
                if !stopped { break }
            }
        } catch {}
        return reader.checkingRest()
    }

    static func expectSame(
        _ reused: LogVerification, _ full: LogVerification, _ context: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(reused.problems == full.problems, "\(context)", sourceLocation: sourceLocation)
        #expect(reused.recordCount == full.recordCount, "\(context)", sourceLocation: sourceLocation)
        #expect(reused.firstSeq == full.firstSeq, "\(context)", sourceLocation: sourceLocation)
        #expect(reused.lastSeq == full.lastSeq, "\(context)", sourceLocation: sourceLocation)
        #expect(reused.segmentCount == full.segmentCount, "\(context)", sourceLocation: sourceLocation)
        #expect(reused.sealedSegmentCount == full.sealedSegmentCount, "\(context)", sourceLocation: sourceLocation)
        #expect(reused.tornTail == full.tornTail, "\(context)", sourceLocation: sourceLocation)
        #expect(reused.notes == full.notes, "\(context)", sourceLocation: sourceLocation)
    }

    /// Every stop from before the first record to past the last, and the whole log.
    static func expectSameAtEveryStop(
        _ directory: String, _ label: String, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let full = verifyLog(directory: directory)
        let lastSeq = full.lastSeq ?? 0
        var stops: [UInt64?] = [nil]
        stops.append(contentsOf: (0...(lastSeq + 2)).map { Optional($0) })
        for stop in stops {
            for chunk in [1, 7] {
                for batched in [false, true] {
                    expectSame(
                        checkAfterReading(directory, stopSeq: stop, chunkRecordCount: chunk, batched: batched), full,
                        "\(label), stop \(stop.map(String.init) ?? "end"), chunks of \(chunk), batched \(batched)",
                        sourceLocation: sourceLocation)
                }
            }
        }
    }

    /// Five sealed segments and a raw one (about 150 records).
    static func makeLog(_ directory: TemporaryDirectory) throws {
        var factory = RecordFactory(seed: 29)
        let log = try openFast(directory.path, .init(segmentSizeBytes: 3000, durability: .none))
        try appendAll(log, (0..<60).map { _ in factory.batch(countMax: 4) })
        try log.close()
    }

    @Test(arguments: ["v1", "corrupt-active-bitflip", "corrupt-sealed-bitflip", "missing-segment", "torn-tail"])
    func everyLogFixture(name: String) throws {
        let directory = TemporaryDirectory()
        directory.copyFiles(from: packageRoot + "/Fixtures/log/" + name)
        Self.expectSameAtEveryStop(directory.path, name)
    }

    @Test func healthyLogAndItsNotes() throws {
        let directory = TemporaryDirectory()
        try Self.makeLog(directory)
        let names = directory.segmentNames
        try #require(names.filter { $0.hasSuffix(".lz4") }.count >= 3)
        Self.expectSameAtEveryStop(directory.path, "healthy")
        #expect(verifyLog(directory: directory.path).ok)
        // Leftovers are notes, whatever the reader read.
        let sealedBase = SegmentName.parse(names[1])!.baseSeq
        directory.write(SegmentName.raw(sealedBase), directory.bytes(names.last!))
        directory.write(SegmentName.sealing(SegmentName.parse(names.last!)!.baseSeq), [1, 2, 3])
        Self.expectSameAtEveryStop(directory.path, "with leftovers")
        #expect(verifyLog(directory: directory.path).notes.count == 2)
    }

    /// Flipped bytes in every segment (headers, blocks, footers, the raw segment's batches): the reader stops at
    /// the first, the check must report each, and what follows.
    @Test func flippedBytesEverywhere() throws {
        let directory = TemporaryDirectory()
        try Self.makeLog(directory)
        let names = directory.segmentNames
        for name in names {
            let original = directory.bytes(name)
            let positions = [0, 9, 30, original.count / 3, original.count / 2, original.count - 40, original.count - 5]
            for position in Set(positions).sorted() {
                var flipped = original
                flipped[position] ^= 0x10
                directory.write(name, flipped)
                Self.expectSameAtEveryStop(directory.path, "\(name) flipped at \(position)")
                #expect(!verifyLog(directory: directory.path).ok, "\(name) flipped at \(position)")
                directory.write(name, original)
            }
        }
        // Two damaged segments: the reader stops at the first, the second is the check's alone.
        let first = directory.bytes(names[1])
        let second = directory.bytes(names[3])
        var a = first
        a[a.count / 2] ^= 0x01
        var b = second
        b[b.count / 2] ^= 0x01
        directory.write(names[1], a)
        directory.write(names[3], b)
        Self.expectSameAtEveryStop(directory.path, "two flips")
        #expect(verifyLog(directory: directory.path).problems.count >= 2)
    }

    @Test func truncatedAndMissingSegments() throws {
        let directory = TemporaryDirectory()
        try Self.makeLog(directory)
        let names = directory.segmentNames
        let path = { (name: String) in directory.file(name) }
        for name in names {
            let original = directory.bytes(name)
            // Cut inside a sealed segment (its footer is gone), inside the raw one (a torn tail), and to nothing.
            for size in [original.count / 2, original.count - 3, 10, 0] {
                directory.write(name, Array(original[0..<size]))
                Self.expectSameAtEveryStop(directory.path, "\(name) cut to \(size)")
                directory.write(name, original)
            }
            try FileManager.default.removeItem(atPath: path(name))
            Self.expectSameAtEveryStop(directory.path, "\(name) missing")
            directory.write(name, original)
        }
        // The raw segment's records followed by zeros (a preallocated tail), and a partial batch in them.
        let last = names.last!
        let raw = directory.bytes(last)
        directory.write(last, raw + [UInt8](repeating: 0, count: 4096))
        Self.expectSameAtEveryStop(directory.path, "zero tail")
        directory.write(last, Array(raw[0..<(raw.count - 7)]) + [UInt8](repeating: 0, count: 4096))
        Self.expectSameAtEveryStop(directory.path, "partial batch before zeros")
    }

    @Test func noDirectoryAndEmptyDirectory() throws {
        let directory = TemporaryDirectory()
        Self.expectSameAtEveryStop(directory.path, "empty")
        let missing = directory.path + "/nothing-here"
        Self.expectSame(Self.checkAfterReading(missing, stopSeq: nil), verifyLog(directory: missing), "no directory")
    }
}
