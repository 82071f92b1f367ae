import Testing
import TollgateBilling
import TollgateEngine

/// `LedgerReader.next(decodingOnly:)`: the scan `audit` uses over unindexed segments.
@Suite struct LedgerReaderTests {
    static func everyEntry(_ directory: String) throws -> [LedgerEntry] {
        var reader = try LedgerReader(directory: directory)
        var entries: [LedgerEntry] = []
        while let entry = try reader.next() { entries.append(entry) }
        return entries
    }

    /// Skipping decodes nothing it should return: exactly the accepted records of a full read, in order, and the
    /// reader still ends after the last record.
    @Test func decodingOnlyReturnsExactlyTheAcceptedRecords() throws {
        let all = try Self.everyEntry(ReplayFixture.logDirectory)
        #expect(all.contains { $0.record.initiatedBy == nil } && all.contains { $0.record.initiatedBy != nil })
        var reader = try LedgerReader(directory: ReplayFixture.logDirectory)
        var kept: [LedgerEntry] = []
        while let entry = try reader.next(decodingOnly: { _, _, typeTag in
            LedgerRecord.mayHaveInitiator(typeTag: typeTag)
        }) {
            kept.append(entry)
        }
        #expect(kept == all.filter { LedgerRecord.mayHaveInitiator(typeTag: $0.record.typeTag) })
        #expect(reader.nextSeq == all.last!.seq + 1)
    }

    /// Only debits and consumes are skippable: every record that names an initiator is of a kind audit decodes.
    @Test func recordsNamingAnInitiatorAreNeverSkipped() throws {
        let all = try Self.everyEntry(ReplayFixture.logDirectory)
        for entry in all where entry.record.initiatedBy != nil {
            #expect(LedgerRecord.mayHaveInitiator(typeTag: entry.record.typeTag), "seq \(entry.seq)")
        }
        let skipped = Set(all.filter { !LedgerRecord.mayHaveInitiator(typeTag: $0.record.typeTag) }.map(\.record.typeName))
        #expect(skipped == ["debit", "consume"])
    }

    /// Skipped records are still read and checked: damage in one is an error, not a silent skip.
    @Test func damageInASkippedRecordIsStillAnError() throws {
        var reader = try LedgerReader(directory: ReplayFixture.corruptDirectory("flipped-byte"))
        #expect(throws: EngineError.self) {
            while try reader.next(decodingOnly: { _, _, _ in false }) != nil {}
        }
    }

    /// The seq and time handed to the predicate are the record's, so a caller can stop at its bounds.
    @Test func predicateSeesSeqAndTime() throws {
        let all = try Self.everyEntry(ReplayFixture.logDirectory)
        let stop = all[all.count / 2]
        var reader = try LedgerReader(directory: ReplayFixture.logDirectory)
        let entry = try reader.next(decodingOnly: { seq, time, _ in seq == stop.seq && time == stop.time })
        #expect(entry == stop)
    }
}
