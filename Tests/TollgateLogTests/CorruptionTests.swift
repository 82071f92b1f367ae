import Foundation
import Testing

@testable import TollgateLog

/// Single bit flips sampled over every byte of a sealed and of the active segment: `verifyLog` reports each one
/// with file, offset and seq; no open succeeds silently and no reader returns changed data.
@Suite struct CorruptionTests {
    private func makeLog(_ directory: TemporaryDirectory) throws -> [LogRecord] {
        var factory = RecordFactory(seed: 11)
        let log = try openFast(directory.path, .init(segmentSizeBytes: 3000, durability: .none))
        let expected = try appendAll(log, (0..<60).map { _ in factory.batch(countMax: 4) })
        try log.close()
        return expected
    }

    enum Target: String, CaseIterable { case sealed, active }

    @Test(arguments: Target.allCases)
    func bitFlipsAreAlwaysReported(target: Target) throws {
        let directory = TemporaryDirectory()
        let expected = try makeLog(directory)
        let names = directory.segmentNames
        let name = target == .sealed ? try #require(names.first { $0.hasSuffix(".lz4") }) : names.last!
        #expect(name.hasSuffix(target == .sealed ? ".log.lz4" : ".log"))
        let original = directory.bytes(name)
        let baseSeq = SegmentName.parse(name)!.baseSeq
        // Every byte of the fixed parts, a stride over the rest.
        var positions = Set(0..<min(80, original.count))
        positions.formUnion(max(0, original.count - 160)..<original.count)
        positions.formUnion(stride(from: 0, to: original.count, by: max(1, original.count / 150)))
        var openedCount = 0
        for position in positions.sorted() {
            var flipped = original
            flipped[position] ^= UInt8(1) << UInt8(position % 8)
            directory.write(name, flipped)
            defer { directory.write(name, original) }

            let verification = verifyLog(directory: directory.path)
            #expect(!verification.ok, "flip at \(name):\(position) not reported")
            let problem = verification.problems.first { $0.file == name }
            #expect(problem != nil, "flip at \(position): \(verification.problems)")
            if let problem {
                #expect(problem.offset != nil && problem.offset! <= UInt64(position), "flip at \(position): \(problem)")
                #expect(problem.seq != nil && problem.seq! >= baseSeq, "flip at \(position): \(problem)")
            }
            // Strict open refuses; a reader never hands back changed data.
            do {
                let log = try openFast(directory.path)
                openedCount += 1
                try log.close()
                Issue.record("flip at \(name):\(position) opened silently")
            } catch {
                #expect(error.code == .corruptRecord, "flip at \(position): \(error)")
                #expect(error.file == name, "flip at \(position): \(error)")
            }
            do {
                let records = try readAll(directory.path)
                Issue.record("flip at \(name):\(position) read back \(records.count) records without error")
            } catch {}
        }
        #expect(openedCount == 0)
        #expect(try readAll(directory.path) == expected)
    }

    /// Deleting, duplicating or reordering whole batches (each valid on its own) breaks seq contiguity or the chain.
    @Test func batchDeletionDuplicationReorderAreDetected() throws {
        let directory = TemporaryDirectory()
        var factory = RecordFactory(seed: 12)
        let log = try openFast(directory.path)
        try appendAll(log, (0..<4).map { _ in [factory.record()] })
        try log.close()
        let name = directory.segmentNames.last!
        let original = directory.bytes(name)
        var batches: [[UInt8]] = []
        var offset = SegmentHeader.sizeBytes
        while offset < original.count {
            let size = Int(original.withUnsafeBytes { $0.getUInt32(at: offset + 8) })
            batches.append(Array(original[offset..<(offset + size)]))
            offset += size
        }
        #expect(batches.count == 4)
        let header = Array(original[0..<SegmentHeader.sizeBytes])
        let variants: [[[UInt8]]] = [
            [batches[0], batches[2], batches[3]],  // deleted
            [batches[0], batches[1], batches[1], batches[2], batches[3]],  // duplicated
            [batches[0], batches[2], batches[1], batches[3]],  // reordered
        ]
        for variant in variants {
            directory.write(name, header + variant.flatMap { $0 })
            let verification = verifyLog(directory: directory.path)
            #expect(!verification.ok)
            let seq = try #require(verification.problems.first?.seq)
            #expect(seq == 2 || seq == 3)
            #expect(throws: LogError.self) { try openFast(directory.path).close() }
        }
    }

    /// A missing middle segment breaks the link between its neighbours.
    @Test func deletedSegmentIsDetected() throws {
        let directory = TemporaryDirectory()
        _ = try makeLog(directory)
        let names = directory.segmentNames
        #expect(names.count >= 4)
        try FileManager.default.removeItem(atPath: directory.file(names[1]))
        let verification = verifyLog(directory: directory.path)
        #expect(!verification.ok)
        #expect(verification.problems.first?.file == names[2])
        #expect(throws: LogError.self) { try openFast(directory.path).close() }
    }
}
