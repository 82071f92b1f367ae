import Foundation
import Testing
import TollgateBilling
import TollgateEngine
import TollgateLog

/// `LedgerReader(directory:fromSeq:resumingAt:)`, what `tail --follow` polls with: from a batch an earlier reader
/// ended in, the same records as an open by seq; a position that no longer fits the log falls back to the read by
/// seq instead of failing or skipping.
@Suite struct LedgerReaderResumeTests {
    static func entries(_ reader: inout LedgerReader) throws -> [LedgerEntry] {
        var entries: [LedgerEntry] = []
        while let entry = try reader.next() { entries.append(entry) }
        return entries
    }

    static func entries(_ directory: TemporaryDirectory, fromSeq: Int64, resumingAt position: BatchPosition?) throws
        -> [LedgerEntry]
    {
        var reader = try LedgerReader(directory: directory.path, fromSeq: fromSeq, resumingAt: position)
        return try entries(&reader)
    }

    /// Appends `count` batches to a live log (its writer stays open) and reads it to its end: the reader, what it
    /// read and the position it hands.
    static func readToEnd(_ directory: TemporaryDirectory, _ engine: Engine, seed: UInt64, count: Int) throws
        -> (reader: LedgerReader, entries: [LedgerEntry], position: BatchPosition)
    {
        try appendBatches(engine, seed: seed, count: count)
        var reader = try LedgerReader(directory: directory.path)
        let entries = try entries(&reader)
        return (reader, entries, try #require(reader.resumePosition))
    }

    /// The raw segment's file name (docs/log-format.md: the base seq in 20 digits).
    static func rawSegmentName(_ position: BatchPosition) -> String {
        let digits = String(position.segmentBaseSeq)
        return String(repeating: "0", count: 20 - digits.count) + digits + ".log"
    }

    /// Several batches of random commands (one `apply` = one batch).
    static func appendBatches(_ engine: Engine, seed: UInt64, count: Int) throws {
        for batch in 0..<count { _ = try engine.apply(lines: lines(seed: seed &+ UInt64(batch), count: 1 + batch % 5)) }
    }

    /// A reader that reached the end of a live log (its writer open, the preallocated zeros after the records)
    /// hands its last batch; reading on from there gives exactly what an open by seq gives, for every seq of that
    /// batch and the next one, before and after more appends.
    @Test func resumingReadsTheSameRecordsAsAnOpenBySeq() throws {
        let directory = TemporaryDirectory()
        let engine = try Engine(configuration: configuration(directory), clock: fixedClock)
        let (first, read, position) = try Self.readToEnd(directory, engine, seed: 1, count: 6)
        #expect(read.last.map { $0.seq + 1 } == first.nextSeq)
        #expect(Int64(position.baseSeq) <= read.last!.seq)
        for round in 0..<2 {
            for fromSeq in Int64(position.baseSeq)...first.nextSeq {
                let resumed = try Self.entries(directory, fromSeq: fromSeq, resumingAt: position)
                let bySeq = try Self.entries(directory, fromSeq: fromSeq, resumingAt: nil)
                #expect(resumed == bySeq, "round \(round), from seq \(fromSeq)")
                #expect(resumed.first.map(\.seq) ?? fromSeq == fromSeq)
            }
            try Self.appendBatches(engine, seed: 100, count: 3)
        }
        try engine.close()
    }

    /// The resumed read starts at the position: damage in the segment before it (already read by the reader that
    /// handed the position) is not read again, while an open by seq reads the segment from its start and fails.
    @Test func resumingReadsOnlyFromThePosition() throws {
        let directory = TemporaryDirectory()
        let engine = try Engine(configuration: configuration(directory), clock: fixedClock)
        let (first, read, position) = try Self.readToEnd(directory, engine, seed: 7, count: 8)
        try Self.appendBatches(engine, seed: 200, count: 2)
        try engine.close()

        let name = Self.rawSegmentName(position)
        let path = directory.path + "/" + name
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let flipAt = Int(BatchPosition.firstBatchOffsetBytes)  // the first batch header's first byte
        #expect(flipAt < Int(position.offsetBytes))
        bytes[flipAt] ^= 0x5A
        try Data(bytes).write(to: URL(fileURLWithPath: path))

        #expect(throws: EngineError.self) { _ = try Self.entries(directory, fromSeq: first.nextSeq, resumingAt: nil) }
        let resumed = try Self.entries(directory, fromSeq: first.nextSeq, resumingAt: position)
        #expect(!resumed.isEmpty && resumed.first!.seq == read.last!.seq + 1)
    }

    /// Positions that no longer describe the log: its segment was sealed (a roll), a forged chain value, an offset
    /// past the end, a seq after the position's batch. Each read gives what the open by seq gives.
    @Test func aPositionThatNoLongerFitsFallsBackToTheReadBySeq() throws {
        let directory = TemporaryDirectory()
        let engine = try Engine(configuration: configuration(directory, segmentSizeBytes: 4096), clock: fixedClock)
        let (first, _, position) = try Self.readToEnd(directory, engine, seed: 3, count: 4)
        var forged = position
        forged.chainBefore ^= 1
        var beyond = position
        beyond.offsetBytes += 1 << 30
        // Enough appends to roll past the position's segment (4 KiB segments).
        try Self.appendBatches(engine, seed: 300, count: 40)
        let segments = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        #expect(!segments.contains(Self.rawSegmentName(position)))
        for stale in [position, forged, beyond] {
            for fromSeq in [first.nextSeq - 1, first.nextSeq, first.nextSeq + 70] {
                let resumed = try Self.entries(directory, fromSeq: fromSeq, resumingAt: stale)
                let bySeq = try Self.entries(directory, fromSeq: fromSeq, resumingAt: nil)
                #expect(resumed == bySeq && !bySeq.isEmpty, "\(stale), from seq \(fromSeq)")
            }
        }
        // A seq before the position's batch cannot be served from it.
        let early = try Self.entries(directory, fromSeq: 1, resumingAt: position)
        #expect(early == (try Self.entries(directory, fromSeq: 1, resumingAt: nil)))
        try engine.close()
    }
}
