import Foundation
import Testing

@testable import TollgateLog

@Suite struct SealingTests {
    /// Appends single records until the first segment is sealed; returns the raw bytes it had just before.
    private func logWithOneSeal(_ directory: TemporaryDirectory, segmentSizeBytes: UInt64 = 4096)
        throws -> (raw: [UInt8], expected: [LogRecord])
    {
        var factory = RecordFactory(seed: 31)
        let log = try Log.open(
            directory: directory.path, configuration: .init(segmentSizeBytes: segmentSizeBytes, durability: .none))
        var expected: [LogRecord] = []
        var raw: [UInt8] = []
        while !FileManager.default.fileExists(atPath: directory.file(SegmentName.sealed(1))) {
            // Up to where the records end: the preallocated zeros after them are cut off before sealing.
            raw = Array(directory.bytes(SegmentName.raw(1)).prefix(Int(log.durableEnd.segmentSizeBytes)))
            expected += try appendAll(log, [factory.batch(countMax: 4)])
        }
        try log.close()
        return (raw, expected)
    }

    private func lz4Path() -> String? {
        ["/usr/bin/lz4", "/usr/local/bin/lz4", "/bin/lz4"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    @Test func sealedSegmentDecompressesWithStockLZ4ToTheRawSegment() throws {
        let directory = TemporaryDirectory()
        let (raw, _) = try logWithOneSeal(directory, segmentSizeBytes: 300_000)
        let sealed = directory.bytes(SegmentName.sealed(1))
        #expect(sealed.count < raw.count)
        #expect(Array(sealed.prefix(7)) == SealedFormat.frameHeader)
        guard let lz4 = lz4Path() else {
            Issue.record("lz4 CLI not installed (tools/setup installs it)")
            return
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: lz4)
        process.arguments = ["-d", "-c", directory.file(SegmentName.sealed(1))]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect([UInt8](output) == raw)
    }

    @Test func blockIndexCoversTheSegment() throws {
        let directory = TemporaryDirectory()
        _ = try logWithOneSeal(directory, segmentSizeBytes: 300_000)
        let storage = PosixStorage()
        let file = try storage.open(directory.file(SegmentName.sealed(1)), .readOnly)
        defer { storage.close(file) }
        let layout = try SealedLayout.load(storage: storage, file: file, name: SegmentName.sealed(1))
        #expect(layout.index.count >= 4)  // ~300 KB in 64 KiB blocks
        #expect(layout.footer.baseSeq == 1)
        #expect(layout.blockIndex(for: 1) == 0)
        #expect(layout.blockIndex(for: layout.footer.lastSeq) == layout.index.count - 1)
    }

    /// A crash mid-seal leaves a `.tmp`: opening removes it; verify only notes it.
    @Test func leftoverTempFileIsRemovedOnOpen() throws {
        let directory = TemporaryDirectory()
        let (_, expected) = try logWithOneSeal(directory)
        let temp = SegmentName.sealing(SegmentName.parse(directory.segmentNames.last!)!.baseSeq)
        directory.write(temp, [0x04, 0x22, 0x4D, 0x18, 1, 2, 3])
        let verification = verifyLog(directory: directory.path)
        #expect(verification.ok && verification.notes.count == 1)
        #expect(try readAll(directory.path) == expected)
        let log = try Log.open(directory: directory.path)
        #expect(log.recoveryReport.removedFiles == [temp])
        try log.close()
        #expect(!FileManager.default.fileExists(atPath: directory.file(temp)))
    }

    /// A crash after the rename but before the raw file was removed: the sealed twin wins.
    @Test func rawTwinOfSealedSegmentIsRemovedOnOpen() throws {
        let directory = TemporaryDirectory()
        let (raw, expected) = try logWithOneSeal(directory)
        directory.write(SegmentName.raw(1), raw)
        #expect(try readAll(directory.path) == expected)
        #expect(verifyLog(directory: directory.path).ok)
        let log = try Log.open(directory: directory.path)
        #expect(log.recoveryReport.removedFiles == [SegmentName.raw(1)])
        try log.close()
        #expect(try readAll(directory.path) == expected)
    }

    /// A crash after sealing but before the next segment was created: open creates it.
    @Test func sealedLastSegmentGetsANewActiveSegment() throws {
        let directory = TemporaryDirectory()
        let (_, expected) = try logWithOneSeal(directory)
        let active = directory.segmentNames.last!
        let activeBase = SegmentName.parse(active)!.baseSeq
        _ = try Sealer.seal(storage: PosixStorage(), directory: directory.path, baseSeq: activeBase)
        #expect(directory.segmentNames.allSatisfy { $0.hasSuffix(".lz4") })
        let log = try Log.open(directory: directory.path)
        #expect(log.nextSeq == UInt64(expected.count) + 1)
        #expect(log.lastTimeMs == expected.last!.timeMs)
        try log.append([RecordInput(timeMs: expected.last!.timeMs, type: 1, body: [1])])
        try log.close()
        #expect(try readAll(directory.path).count == expected.count + 1)
        #expect(verifyLog(directory: directory.path).ok)
    }

    /// A full raw segment that is not the last (left unsealed) is sealed during open.
    @Test func unsealedMiddleSegmentIsSealedOnOpen() throws {
        let directory = TemporaryDirectory()
        let (raw, expected) = try logWithOneSeal(directory)
        try FileManager.default.removeItem(atPath: directory.file(SegmentName.sealed(1)))
        directory.write(SegmentName.raw(1), raw)
        #expect(verifyLog(directory: directory.path).ok)
        let log = try Log.open(directory: directory.path)
        #expect(log.recoveryReport.sealedFiles == [SegmentName.raw(1)])
        try log.close()
        #expect(FileManager.default.fileExists(atPath: directory.file(SegmentName.sealed(1))))
        #expect(try readAll(directory.path) == expected)
    }

    /// Framing cost of typical billing records once sealed (the issue's aim: ≤ 24 bytes per record).
    @Test func sealedFramingIsSmall() throws {
        let directory = TemporaryDirectory()
        let log = try Log.open(
            directory: directory.path, configuration: .init(segmentSizeBytes: 1 << 20, durability: .none))
        var random = SplitMix64(seed: 5)
        var bodyBytes = 0
        var recordCount = 0
        var timeMs: Int64 = 1_700_000_000_000
        while !FileManager.default.fileExists(atPath: directory.file(SegmentName.sealed(1))) {
            var batch: [RecordInput] = []
            for _ in 0..<100 {
                timeMs += Int64(random.next() % 50)
                // A billing-like body: a small JSON-ish debit with a random user and amount.
                let body = Array("{\"u\":\"user-\(random.next() % 5000)\",\"a\":\(random.next() % 100000)}".utf8)
                bodyBytes += body.count
                recordCount += 1
                batch.append(RecordInput(timeMs: timeMs, type: 3, body: body))
            }
            try log.append(batch)
        }
        try log.close()
        let sealedCount =
            Int(try readAll(directory.path).count)
            - (try readAll(directory.path, fromSeq: SegmentName.parse(directory.segmentNames.last!)!.baseSeq).count)
        let sealedBytes = directory.bytes(SegmentName.sealed(1)).count
        let averageBodyBytes = Double(bodyBytes) / Double(recordCount)
        let sealedBytesPerRecord = Double(sealedBytes) / Double(sealedCount)
        #expect(
            sealedBytesPerRecord < averageBodyBytes + 24,
            "sealed \(sealedBytesPerRecord) B/record for \(averageBodyBytes) B bodies")
    }
}
