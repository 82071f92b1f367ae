import Foundation
import Testing

@testable import TollgateLog

/// A reader that prefetches sealed blocks (`LogReader(…, prefetchingSealedBlocks: true)`, the verified replay's)
/// must be indistinguishable from a plain one: the same records, the same error (code, message, file, offset,
/// seq) at the same record, the same torn tail, the same position after a stop, and the same log check
/// (`checkingRest()`), on healthy and damaged logs, whatever the bound; and a released reader's thread is joined.
@Suite(.serialized) struct SealedPrefetchTests {
    /// What a read observed, compared whole between the two readers.
    struct Observation: Equatable {
        var records: [LogRecord] = []
        var failure: String?
        var tornTail: TornTail?
        /// The record a fresh `next()` returns after the read stopped (nil at the end or after a failure).
        var nextAfterStop: LogRecord?
        var checkProblems: [LogVerification.Problem] = []
        var checkRecordCount: UInt64 = 0
        var checkTornTail: TornTail?
        var checkNotes: [String] = []
        /// The prefetching thread's shared state (nil: none started), to see it joined once the reader is gone.
        var prefetch: SealedPrefetch? = nil

        static func == (a: Observation, b: Observation) -> Bool {
            a.records == b.records && a.failure == b.failure && a.tornTail == b.tornTail
                && a.nextAfterStop == b.nextAfterStop && a.checkProblems == b.checkProblems
                && a.checkRecordCount == b.checkRecordCount && a.checkTornTail == b.checkTornTail
                && a.checkNotes == b.checkNotes
        }
    }

    /// Reads `directory` from `fromSeq` in chunks of `chunkRecordCount` records until the first record past
    /// `stopSeq` (nil: to the end) or a failure, a batch at a time (`batched`, as the replay reads) or a record
    /// at a time; then the next record and the log check.
    static func observe(
        _ directory: String, prefetching: Bool, fromSeq: UInt64 = 1, stopSeq: UInt64? = nil,
        chunkRecordCount: Int = 97, batched: Bool = true
    ) -> Observation {
        var observation = Observation()
        var reader: LogReader
        do {
            reader = try LogReader(
                directory: directory, fromSeq: fromSeq, storage: PosixStorage.shared,
                prefetchingSealedBlocks: prefetching)
        } catch {
            observation.failure = "open: \(describe(error))"
            return observation
        }
        observation.prefetch = reader.prefetchRunner?.prefetch
        var atBound = false
        var chunkCount = 0
        var failed = false
        do throws(LogError) {
            while !atBound {  // Bounded by the log's records.
                var records: [LogRecord] = []
                let stopped = try reader.readChunk(
                    chunkRecordCount: chunkRecordCount, stopSeq: stopSeq, batched: batched, atBound: &atBound
                ) { records.append($0.record) }
                observation.records.append(contentsOf: records)
                chunkCount += 1
                precondition(chunkCount < 1_000_000)
                if !stopped { break }
            }
        } catch {
            observation.failure = describe(error)
            failed = true
        }
        observation.tornTail = reader.tornTail
        if !failed, atBound {
            var copy = reader
            observation.nextAfterStop = try? copy.next()
        }
        let check = reader.checkingRest()
        observation.checkProblems = check.problems
        observation.checkRecordCount = check.recordCount
        observation.checkTornTail = check.tornTail
        observation.checkNotes = check.notes
        return observation
    }

    static func describe(_ error: LogError) -> String {
        "\(error.code) \(error.message) file \(error.file ?? "-") offset \(error.offset.map(String.init) ?? "-") seq \(error.seq.map(String.init) ?? "-")"
    }

    static func expectSame(
        _ directory: String, _ label: String, fromSeq: UInt64 = 1, stopSeq: UInt64? = nil, chunkRecordCount: Int = 97,
        batched: Bool = true, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let plain = observe(
            directory, prefetching: false, fromSeq: fromSeq, stopSeq: stopSeq, chunkRecordCount: chunkRecordCount,
            batched: batched)
        let prefetched = observe(
            directory, prefetching: true, fromSeq: fromSeq, stopSeq: stopSeq, chunkRecordCount: chunkRecordCount,
            batched: batched)
        #expect(prefetched.records.count == plain.records.count, "\(label)", sourceLocation: sourceLocation)
        #expect(prefetched.records == plain.records, "\(label)", sourceLocation: sourceLocation)
        #expect(prefetched.failure == plain.failure, "\(label)", sourceLocation: sourceLocation)
        #expect(prefetched.tornTail == plain.tornTail, "\(label)", sourceLocation: sourceLocation)
        #expect(prefetched.nextAfterStop == plain.nextAfterStop, "\(label)", sourceLocation: sourceLocation)
        #expect(prefetched.checkProblems == plain.checkProblems, "\(label)", sourceLocation: sourceLocation)
        #expect(prefetched.checkRecordCount == plain.checkRecordCount, "\(label)", sourceLocation: sourceLocation)
        #expect(prefetched.checkTornTail == plain.checkTornTail, "\(label)", sourceLocation: sourceLocation)
        #expect(prefetched.checkNotes == plain.checkNotes, "\(label)", sourceLocation: sourceLocation)
        #expect(prefetched.prefetch?.hasJoinedThread ?? true, "\(label): a released reader joins its thread")
    }

    /// Sealed segments of several LZ4 blocks each (~64 KiB of content a block) and a raw last one.
    /// The name of one of the log's sealed segments, drawn from `random`.
    static func randomSealedSegment(_ directory: TemporaryDirectory, _ random: inout SplitMix64) -> String {
        let sealed = directory.segmentNames.filter { $0.hasSuffix(".lz4") }
        precondition(!sealed.isEmpty, "the test log has sealed segments")
        return sealed[Int(random.next() % UInt64(sealed.count))]
    }

    static func makeLog(_ directory: TemporaryDirectory, seed: UInt64) throws -> [LogRecord] {
        var factory = RecordFactory(seed: seed)
        factory.bodySizeBytesMax = 400
        let log = try openFast(directory.path, .init(segmentSizeBytes: 300_000, durability: .none))
        let records = try appendAll(log, (0..<700).map { _ in factory.batch(countMax: 12) })
        try log.close()
        return records
    }

    @Test(arguments: ["v1", "corrupt-active-bitflip", "corrupt-sealed-bitflip", "missing-segment", "torn-tail"])
    func everyLogFixture(name: String) throws {
        let directory = TemporaryDirectory()
        directory.copyFiles(from: packageRoot + "/Fixtures/log/" + name)
        let lastSeq = verifyLog(directory: directory.path).lastSeq ?? 0
        for stop in [nil, 0, 1, lastSeq / 3, lastSeq / 2, lastSeq] as [UInt64?] {
            for batched in [true, false] {
                Self.expectSame(directory.path, "\(name) stop \(String(describing: stop))", stopSeq: stop, batched: batched)
            }
        }
        Self.expectSame(directory.path, "\(name) from \(lastSeq / 2)", fromSeq: max(1, lastSeq / 2))
    }

    @Test func healthyLogMatchesAtBounds() throws {
        let directory = TemporaryDirectory()
        let records = try Self.makeLog(directory, seed: 5)
        let sealedCount = directory.segmentNames.filter { $0.hasSuffix(".lz4") }.count
        try #require(sealedCount >= 3)
        let read = Self.observe(directory.path, prefetching: true)
        #expect(read.records == records)
        #expect(read.failure == nil)
        #expect(read.checkProblems.isEmpty)
        let lastSeq = UInt64(records.count)
        var random = SplitMix64(seed: 11)
        for _ in 0..<12 {
            let stop = random.next() % (lastSeq + 2)
            let chunk = 1 + Int(random.next() % 3000)
            Self.expectSame(directory.path, "stop \(stop), chunks of \(chunk)", stopSeq: stop, chunkRecordCount: chunk)
        }
        for fromSeq in [2, lastSeq / 4, lastSeq / 2, lastSeq] {
            Self.expectSame(directory.path, "from \(fromSeq)", fromSeq: fromSeq)
        }
    }

    /// Single flipped bytes anywhere in the sealed segments (frame header, blocks, index, footer): the same
    /// error at the same record, and the same check, at the end and at random bounds.
    @Test(arguments: 0..<24 as Range<UInt64>)
    func randomFlipsInSealedSegments(seed: UInt64) throws {
        let directory = TemporaryDirectory()
        _ = try Self.makeLog(directory, seed: 100 + seed)
        var random = SplitMix64(seed: seed)
        for round in 0..<4 {
            let name = Self.randomSealedSegment(directory, &random)
            let original = directory.bytes(name)
            var flipped = original
            let position = Int(random.next() % UInt64(original.count))
            flipped[position] ^= UInt8(1 + random.next() % 255)
            directory.write(name, flipped)
            let label = "seed \(seed) round \(round): \(name) byte \(position)"
            Self.expectSame(directory.path, label)
            let stop = random.next() % 8000
            Self.expectSame(directory.path, label + " stop \(stop)", stopSeq: stop)
            directory.write(name, original)
        }
    }

    /// A sealed segment cut short, or one missing: the reader fails where the plain one does.
    @Test(arguments: 0..<8 as Range<UInt64>)
    func truncatedSealedSegments(seed: UInt64) throws {
        let directory = TemporaryDirectory()
        _ = try Self.makeLog(directory, seed: 200 + seed)
        var random = SplitMix64(seed: seed)
        let name = Self.randomSealedSegment(directory, &random)
        let original = directory.bytes(name)
        let length = Int(random.next() % UInt64(original.count))
        directory.write(name, Array(original[..<length]))
        Self.expectSame(directory.path, "seed \(seed): \(name) cut to \(length)")
        try FileManager.default.removeItem(atPath: directory.file(name))
        Self.expectSame(directory.path, "seed \(seed): \(name) missing")
    }

    /// A reader that stops after a few records (the thread still has blocks to fill) and is released joins its
    /// thread; so does one read to its end, one that failed, and one stopped explicitly.
    @Test func stoppingJoinsTheThread() throws {
        let directory = TemporaryDirectory()
        let records = try Self.makeLog(directory, seed: 7)
        do {
            var reader = try LogReader(
                directory: directory.path, fromSeq: 1, storage: PosixStorage.shared, prefetchingSealedBlocks: true)
            let prefetch = try #require(reader.prefetchRunner?.prefetch)
            #expect(!prefetch.hasJoinedThread)
            var count = 0
            _ = try reader.withEach { _ in
                count += 1
                return count < 3
            }
            #expect(try reader.next() == records[3])
            reader.stopPrefetching()
            #expect(prefetch.hasJoinedThread)
            // Reading on without the thread: the same records.
            var rest: [LogRecord] = []
            while let record = try reader.next() { rest.append(record) }
            #expect(rest == Array(records[4...]))
        }
        for stop in [1, 500, 5000] {
            var prefetch: SealedPrefetch?
            do {
                var reader = try LogReader(
                    directory: directory.path, fromSeq: 1, storage: PosixStorage.shared, prefetchingSealedBlocks: true)
                prefetch = reader.prefetchRunner?.prefetch
                var count = 0
                _ = try reader.withEach { _ in
                    count += 1
                    return count < stop
                }
            }
            #expect(prefetch != nil && prefetch!.hasJoinedThread, "stopped after \(stop)")
        }
        // A log with no sealed segment starts no thread.
        let small = TemporaryDirectory()
        let log = try openFast(small.path)
        _ = try log.append([RecordInput(timeMs: 1, type: 1, body: [1])])
        try log.close()
        let reader = try LogReader(
            directory: small.path, fromSeq: 1, storage: PosixStorage.shared, prefetchingSealedBlocks: true)
        #expect(reader.prefetchRunner == nil)
    }
}
