import Foundation
import TollgateBilling
import TollgateLog

/// The test-side tool that makes the corrupted copies of the fixture log, through TollgateLog's public API only:
/// `LogReader` reads the golden log, `Log.append` writes a copy **one record per batch** (so a record is a
/// batch and can be cut or moved whole), and byte surgery on that copy breaks it the way a disk or an attacker
/// would. `tampered` rewrites one body before appending it, so its checksum and the chain are valid and only
/// re-deciding the command can tell.
enum CorruptLog {
    enum Kind: String, CaseIterable {
        /// One byte of record `seq`'s body flipped: its checksum no longer matches.
        case flippedByte = "flipped-byte"
        /// Record `seq` cut out: the next batch does not continue the chain.
        case missingRecord = "missing-record"
        /// Records `seq` and `seq + 1` swapped.
        case reorderedRecords = "reordered-records"
        /// Record `seq` (a charged debit) rewritten to charge less, then checksummed and chained anew.
        case tamperedDebit = "tampered-debit"
    }

    /// The record each corruption hits: seq 5 is alice's charged debit of 12.500.
    static let targetSeq: Int64 = 5
    static let segmentName = "00000000000000000001.log"
    static let segmentHeaderSizeBytes = 32
    static let batchHeaderSizeBytes = 40
    static let recordHeaderSizeBytes = 13

    /// Writes the corrupted copy of `source` into `target` (a directory that must not exist yet).
    static func make(_ kind: Kind, from source: String, into target: String) throws {
        try rewriteOneRecordPerBatch(from: source, into: target) { seq, type, body in
            guard kind == .tamperedDebit, seq == targetSeq else { return body }
            guard case .success(.debit(var debit)) = LedgerRecord.decode(typeTag: type, body: body),
                case .charged(_, let warned, let anomaly) = debit.outcome
            else { fatalError("seq \(seq) is not a charged debit") }
            debit.outcome = .charged(.credits(2), warned: warned, anomaly: anomaly)
            var tampered: [UInt8] = []
            LedgerRecord.debit(debit).encodeBody(into: &tampered)
            return tampered
        }
        let path = target + "/" + segmentName
        var bytes = ReplayFixture.bytes(path)
        let batches = batchRanges(bytes)
        let index = Int(targetSeq - 1)
        switch kind {
        case .flippedByte:
            bytes[batches[index].lowerBound + batchHeaderSizeBytes + recordHeaderSizeBytes] ^= 0x01
        case .missingRecord:
            bytes.removeSubrange(batches[index])
        case .reorderedRecords:
            let first = Array(bytes[batches[index]])
            let second = Array(bytes[batches[index + 1]])
            bytes.replaceSubrange(batches[index].lowerBound..<batches[index + 1].upperBound, with: second + first)
        case .tamperedDebit:
            break
        }
        try ReplayFixture.write(path, bytes)
    }

    /// Copies every record of `source` into a fresh log at `target`, one `append` per record.
    static func rewriteOneRecordPerBatch(
        from source: String, into target: String, transform: (Int64, UInt8, [UInt8]) -> [UInt8]
    ) throws {
        var reader = try LogReader(directory: source)
        let log = try Log.open(directory: target, configuration: LogConfiguration(durability: .none))
        while let record = try reader.next() {
            let body = transform(Int64(record.seq), record.type, record.body)
            _ = try log.append([RecordInput(timeMs: record.timeMs, type: record.type, body: body)])
        }
        try log.close()
        try? FileManager.default.removeItem(atPath: target + "/LOCK")
    }

    /// The byte range of each batch of a raw segment (docs/log-format.md: `batchSizeBytes` at offset 8).
    static func batchRanges(_ bytes: [UInt8]) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        var offset = segmentHeaderSizeBytes
        while offset + batchHeaderSizeBytes <= bytes.count {
            let size = (0..<4).reduce(0) { $0 | Int(bytes[offset + 8 + $1]) << (8 * $1) }
            precondition(size >= batchHeaderSizeBytes && offset + size <= bytes.count, "malformed batch at \(offset)")
            ranges.append(offset..<(offset + size))
            offset += size
        }
        return ranges
    }
}
