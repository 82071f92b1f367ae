import Foundation
import Testing

@testable import TollgateEngine

/// The replay sizes its per-debit tables from the segment files' names and sizes (``Replay/expectedRecordCount``):
/// the records before the last segment by its base seq, the last one's by its size (raw) or the average (sealed).
@Suite struct ReplayCapacityTests {
    static func directory(_ files: [(name: String, sizeBytes: Int)]) -> TemporaryDirectory {
        let directory = TemporaryDirectory()
        try? FileManager.default.createDirectory(atPath: directory.path, withIntermediateDirectories: true)
        for file in files {
            let created = FileManager.default.createFile(
                atPath: directory.path + "/" + file.name, contents: Data(count: file.sizeBytes))
            precondition(created, "could not create the fixture file \(file.name)")
        }
        return directory
    }

    @Test func sealedSegmentsThenARawOne() {
        let directory = Self.directory([
            ("00000000000000000001.log.lz4", 500), ("00000000000000000101.log.lz4", 500),
            ("00000000000000000201.log", 1_300), ("LOCK", 0), ("notes.txt", 10_000),
        ])
        #expect(Replay.expectedRecordCount(directory: directory.path, until: .end) == 200 + 1_300 / 13)
        #expect(Replay.expectedRecordCount(directory: directory.path, until: .seq(250)) == 250)
        #expect(Replay.expectedRecordCount(directory: directory.path, until: .seq(10_000)) == 300)
    }

    @Test func everySegmentSealedCountsTheLastAsTheAverage() {
        let directory = Self.directory([
            ("00000000000000000001.log.lz4", 500), ("00000000000000000101.log.lz4", 500),
            ("00000000000000000301.log.lz4", 500),
        ])
        #expect(Replay.expectedRecordCount(directory: directory.path, until: .end) == 300 + 300 / 2)
    }

    @Test func anEmptyOrMissingDirectoryExpectsNothing() {
        #expect(Replay.expectedRecordCount(directory: Self.directory([]).path, until: .end) == 0)
        #expect(Replay.expectedRecordCount(directory: "/nonexistent/tollgate-capacity", until: .end) == 0)
        let alone = Self.directory([("00000000000000000001.log.lz4", 5_000)])
        #expect(Replay.expectedRecordCount(directory: alone.path, until: .end) == 0)
    }

    @Test func aSegmentNamedFarAheadIsCapped() {
        let directory = Self.directory([("09000000000000000001.log", 13)])
        #expect(Replay.expectedRecordCount(directory: directory.path, until: .end) == Replay.expectedRecordCountMax)
        let largest = Self.directory([("09223372036854775807.log", 1_300)])
        #expect(Replay.expectedRecordCount(directory: largest.path, until: .end) == Replay.expectedRecordCountMax)
    }
}
