import Foundation
import Testing

@testable import TollgateLog

/// Golden segments of format v1 (`Fixtures/log/`): today's reader reads them exactly and today's writer produces
/// them byte for byte, so the on-disk format cannot change by accident. Re-record only on purpose:
/// `RECORD_FIXTURES=1 swift test --filter FixtureTests` (the recording run fails, like swift-argument-parser's
/// `RECORD_SNAPSHOTS`).
@Suite(.serialized) struct FixtureTests {
    static let fixtures = packageRoot + "/Fixtures/log"
    static let golden = fixtures + "/v1"
    static var recording: Bool { ProcessInfo.processInfo.environment["RECORD_FIXTURES"] == "1" }

    /// The deterministic records of the golden log: 40 appends of 1–4 records, times with repeats, every type.
    static func goldenBatches() -> [[RecordInput]] {
        var seq = 1
        var batches: [[RecordInput]] = []
        for batchIndex in 0..<40 {
            var batch: [RecordInput] = []
            for _ in 0..<(1 + batchIndex % 4) {
                let text =
                    "record \(seq) user-\(seq % 7) amount \(seq * 125) " + String(repeating: "x", count: seq % 11)
                batch.append(
                    RecordInput(
                        timeMs: 1_700_000_000_000 + Int64(seq / 3) * 250, type: UInt8(seq % 6), body: Array(text.utf8)))
                seq += 1
            }
            batches.append(batch)
        }
        return batches
    }

    static func writeGolden(to path: String) throws {
        let log = try openFast(path, .init(segmentSizeBytes: 1024, durability: .none))
        for batch in goldenBatches() { try log.append(batch) }
        try log.close()
        try FileManager.default.removeItem(atPath: path + "/LOCK")
    }

    static func expectedLines(_ records: [LogRecord]) -> String {
        records.map { record in
            let hex = record.body.map { String(format: "%02x", $0) }.joined()
            return "\(record.seq) \(record.timeMs) \(record.type) \(String(format: "%08x", record.checksum)) \(hex)"
        }.joined(separator: "\n") + "\n"
    }

    @Test func recordFixturesWhenAsked() throws {
        guard Self.recording else { return }
        let manager = FileManager.default
        try? manager.removeItem(atPath: Self.fixtures + "/v1")
        try manager.createDirectory(atPath: Self.golden, withIntermediateDirectories: true)
        try Self.writeGolden(to: Self.golden)
        let records = try readAll(Self.golden)
        try Self.expectedLines(records).write(
            toFile: Self.fixtures + "/v1-expected-records.txt", atomically: true, encoding: .utf8)
        let names = try manager.contentsOfDirectory(atPath: Self.golden).sorted()
        let sealed = names.filter { $0.hasSuffix(".log.lz4") }
        let active = names.last { $0.hasSuffix(".log") }!

        func variant(_ name: String, _ change: (String) throws -> Void) throws {
            let path = Self.fixtures + "/" + name
            try? manager.removeItem(atPath: path)
            try manager.copyItem(atPath: Self.golden, toPath: path)
            try change(path)
        }
        func flip(_ file: String, at offset: Int) throws {
            var bytes = [UInt8](manager.contents(atPath: file)!)
            bytes[offset] ^= 0x04
            try Data(bytes).write(to: URL(fileURLWithPath: file))
        }
        try variant("corrupt-sealed-bitflip") { path in
            let file = path + "/" + sealed[1]
            try flip(file, at: manager.contents(atPath: file)!.count / 3)
        }
        try variant("corrupt-active-bitflip") { path in
            try flip(
                path + "/" + active, at: SegmentHeader.sizeBytes + BatchHeader.sizeBytes + RecordHeader.sizeBytes + 2)
        }
        try variant("torn-tail") { path in
            let file = path + "/" + active
            let bytes = [UInt8](manager.contents(atPath: file)!)
            try Data(bytes.dropLast(7)).write(to: URL(fileURLWithPath: file))
        }
        try variant("missing-segment") { path in try manager.removeItem(atPath: path + "/" + sealed[1]) }
        Issue.record("fixtures recorded in \(Self.fixtures); rerun without RECORD_FIXTURES=1")
    }

    private func goldenNames() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: Self.golden).sorted()
    }

    @Test func goldenLogReadsExactly() throws {
        let records = try readAll(Self.golden)
        let expected = try String(contentsOfFile: Self.fixtures + "/v1-expected-records.txt", encoding: .utf8)
        #expect(Self.expectedLines(records) == expected)
        #expect(records.count == Self.goldenBatches().joined().count)
        let verification = verifyLog(directory: Self.golden)
        #expect(verification.ok && verification.tornTail == nil)
        #expect(verification.sealedSegmentCount >= 2)
        #expect(
            try goldenNames().contains { $0.hasSuffix(".log") }
                && (try goldenNames().contains { $0.hasSuffix(".log.lz4") }))
    }

    @Test func writerReproducesGoldenBytes() throws {
        let directory = TemporaryDirectory()
        try Self.writeGolden(to: directory.path)
        let names = try goldenNames()
        #expect(directory.segmentNames == names)
        for name in names {
            #expect(
                directory.bytes(name) == [UInt8](FileManager.default.contents(atPath: Self.golden + "/" + name)!),
                "\(name) changed")
        }
    }

    @Test func corruptSealedBitflip() throws {
        let path = Self.fixtures + "/corrupt-sealed-bitflip"
        let verification = verifyLog(directory: path)
        let sealed = try goldenNames().filter { $0.hasSuffix(".log.lz4") }
        #expect(!verification.ok)
        #expect(verification.problems.first?.file == sealed[1])
        #expect(verification.problems.first?.seq != nil)
        let directory = TemporaryDirectory()
        directory.copyFiles(from: path)
        #expect(throws: LogError.self) { try Log.open(directory: directory.path) }
    }

    @Test func corruptActiveBitflip() throws {
        let path = Self.fixtures + "/corrupt-active-bitflip"
        let active = try goldenNames().last { $0.hasSuffix(".log") }!
        let verification = verifyLog(directory: path)
        #expect(verification.problems.map(\.file) == [active])
        #expect(verification.problems.first?.offset == UInt64(SegmentHeader.sizeBytes + BatchHeader.sizeBytes))
        #expect(verification.problems.first?.seq == SegmentName.parse(active)!.baseSeq)
        let directory = TemporaryDirectory()
        directory.copyFiles(from: path)
        #expect(throws: LogError.self) { try Log.open(directory: directory.path) }
    }

    @Test func tornTail() throws {
        let path = Self.fixtures + "/torn-tail"
        let verification = verifyLog(directory: path)
        #expect(verification.ok)
        let torn = try #require(verification.tornTail)
        let golden = try readAll(Self.golden)
        let directory = TemporaryDirectory()
        directory.copyFiles(from: path)
        let log = try Log.open(directory: directory.path)
        #expect(log.recoveryReport.tornTailBytesTruncated == torn.sizeBytes)
        #expect(log.nextSeq == torn.seq)
        try log.close()
        #expect(try readAll(directory.path) == Array(golden.prefix(Int(torn.seq) - 1)))
    }

    @Test func missingSegment() throws {
        let verification = verifyLog(directory: Self.fixtures + "/missing-segment")
        #expect(!verification.ok)
        #expect(verification.problems.first?.detail.contains("expected") == true)
    }
}
