import TollgateBilling
import TollgateLog

/// The audit sidecar of the raw active segment (`DIR/index/<segment>.log.audit`): the writer appends, after each
/// durable commit, a posting for every record of that commit that names an initiator and a coverage mark saying
/// "every initiator record before seq N is posted above". `audit` reads the postings instead of scanning the
/// segment and scans only what follows the newest mark (docs/operator-guide.md, "Audit index of the active
/// segment"). A derived, unsynced file: nothing in it is trusted. Each entry is checksummed and chained to the one
/// before (a torn or lost entry ends the file there); each posting and mark carries the ``BatchPosition`` of its
/// record's batch, so a reader checks it against the log (seq, chain, initiator, time) before using it.
///
/// Entries, little-endian, back to back:
///
/// | offset | field | type |
/// |---|---|---|
/// | 0 | entry size in bytes, checksum included | u16 |
/// | 2 | kind: 0 header, 1 posting, 2 mark | u8 |
/// | 3 | initiator length (posting: 1–128, else 0) | u8 |
/// | 4 | header: magic `TGAA` (0x41414754) u32, version (1) u16, reserved (0) u16, segment base seq u64 | |
/// | 4 | posting: seq u64, time ms i64, then the batch: offset u64, base seq u64, chain before u64; initiator | |
/// | 4 | mark: covered next seq u64, then the batch holding seq covered − 1 or before it: offset, base seq, chain | |
/// | size − 4 | CRC32C of the previous entry's checksum (u32, 0 before the header) and this entry's bytes before it | u32 |
///
/// The header is the first entry; postings are in seq order; a mark follows the postings it covers.
struct ActiveAuditIndex {
    struct Posting: Equatable {
        var seq: UInt64
        var timeMs: Int64
        var initiator: String
        /// The batch holding `seq`.
        var batch: BatchPosition
    }

    /// "Every initiator record with seq < `coveredNextSeq` is posted before this mark."
    struct Mark: Equatable {
        var coveredNextSeq: UInt64
        /// A batch at or before the one holding `coveredNextSeq − 1`: a reader starts there, checks the chain, must
        /// meet `coveredNextSeq − 1` and scans on from it.
        var batch: BatchPosition
        /// Byte length of the file through this mark (where the writer cuts a file it resumes).
        var endOffsetBytes: Int
        /// The mark's own checksum (the next entry chains from it).
        var checksum: UInt32
        /// Postings before this mark.
        var postingCount: Int
    }

    var segmentBaseSeq: UInt64
    /// Empty when decoded without them (the writer resuming needs only the marks).
    var postings: [Posting] = []
    var marks: [Mark] = []
    /// Postings accepted and the seq of the last one, kept whether or not `postings` holds them.
    private(set) var postingCount = 0
    private(set) var lastPostingSeq: UInt64?

    static let fileSuffix = ".audit"
    static let magic: UInt32 = 0x4141_4754
    static let version: UInt16 = 1
    static let headerSizeBytes = 24
    static let postingSizeBytesFixed = 48
    static let markSizeBytes = 40
    static let initiatorSizeBytesMax = 128
    /// A reader ignores a larger file (it falls back to scanning); the writer stops indexing a segment before it.
    static let fileSizeBytesMax = 256 << 20

    enum Kind: UInt8 {
        case header = 0, posting = 1, mark = 2
    }

    /// `DIR/index/<raw segment name>.audit`.
    static func path(directory: String, segmentBaseSeq: UInt64) -> String {
        directory + "/" + AuditIndex.directoryName + "/" + SegmentFileName.rawName(baseSeq: segmentBaseSeq) + fileSuffix
    }

    // MARK: Encoding

    /// Appends the checksum chained from `previous` over `bytes[start...]` and returns it.
    static func seal(_ bytes: inout [UInt8], from start: Int, previous: UInt32) -> UInt32 {
        precondition(bytes.count - start + 4 <= Int(UInt16.max))
        let checksum = withUnsafeBytes(of: previous.littleEndian) { previousBytes in
            bytes.withUnsafeBytes { CRC32C.update(CRC32C.update(0, previousBytes), $0.slice(start, bytes.count - start)) }
        }
        bytes.appendLE(checksum)
        return checksum
    }

    static func appendHeader(segmentBaseSeq: UInt64, into bytes: inout [UInt8]) -> UInt32 {
        let start = bytes.count
        bytes.appendLE(UInt16(headerSizeBytes))
        bytes.appendLE(Kind.header.rawValue)
        bytes.appendLE(UInt8(0))
        bytes.appendLE(magic)
        bytes.appendLE(version)
        bytes.appendLE(UInt16(0))
        bytes.appendLE(segmentBaseSeq)
        return seal(&bytes, from: start, previous: 0)
    }

    static func appendPosting(_ posting: Posting, previous: UInt32, into bytes: inout [UInt8]) -> UInt32 {
        let name = Array(posting.initiator.utf8)
        precondition((1...initiatorSizeBytesMax).contains(name.count), "initiators are identifiers")
        let start = bytes.count
        bytes.appendLE(UInt16(postingSizeBytesFixed + name.count))
        bytes.appendLE(Kind.posting.rawValue)
        bytes.appendLE(UInt8(name.count))
        bytes.appendLE(posting.seq)
        bytes.appendLE(posting.timeMs)
        appendBatch(posting.batch, into: &bytes)
        bytes.append(contentsOf: name)
        return seal(&bytes, from: start, previous: previous)
    }

    static func appendMark(coveredNextSeq: UInt64, batch: BatchPosition, previous: UInt32, into bytes: inout [UInt8])
        -> UInt32
    {
        precondition(coveredNextSeq > batch.baseSeq, "a mark's batch holds a covered record")
        let start = bytes.count
        bytes.appendLE(UInt16(markSizeBytes))
        bytes.appendLE(Kind.mark.rawValue)
        bytes.appendLE(UInt8(0))
        bytes.appendLE(coveredNextSeq)
        appendBatch(batch, into: &bytes)
        return seal(&bytes, from: start, previous: previous)
    }

    private static func appendBatch(_ batch: BatchPosition, into bytes: inout [UInt8]) {
        bytes.appendLE(batch.offsetBytes)
        bytes.appendLE(batch.baseSeq)
        bytes.appendLE(batch.chainBefore)
    }

    // MARK: Decoding

    /// Decodes the entries of a sidecar for the raw segment `segmentBaseSeq`, stopping at the first entry that is
    /// torn, fails its chained checksum or breaks an invariant (seq order, positions inside the segment): what
    /// follows it cannot be trusted to be complete. Nil when even the header is unusable.
    /// `keepingPostings: false` checks every entry the same way but keeps only the marks: a sidecar of a segment
    /// full of admin grants holds millions of postings the resuming writer never reads.
    static func decode(_ bytes: [UInt8], segmentBaseSeq: UInt64, keepingPostings: Bool = true) -> ActiveAuditIndex? {
        guard bytes.count <= fileSizeBytesMax else { return nil }
        return bytes.withUnsafeBytes { raw -> ActiveAuditIndex? in
            var index = ActiveAuditIndex(segmentBaseSeq: segmentBaseSeq)
            var offset = 0
            var previous: UInt32 = 0
            var entryCount = 0
            // Each entry is at least a header's or a mark's size, so this bounds the loop.
            let entryCountMax = bytes.count / markSizeBytes + 1
            while offset + 4 <= raw.count, entryCount < entryCountMax {
                let size = Int(raw.getUInt16(at: offset))
                let kindByte = raw[offset + 2]
                let nameLength = Int(raw[offset + 3])
                guard size >= headerSizeBytes, offset + size <= raw.count, let kind = Kind(rawValue: kindByte) else {
                    break
                }
                let stored = raw.getUInt32(at: offset + size - 4)
                let computed = withUnsafeBytes(of: previous.littleEndian) {
                    CRC32C.update(CRC32C.update(0, $0), raw.slice(offset, size - 4))
                }
                guard stored == computed else { break }
                let body = offset + 4
                if entryCount == 0 {
                    guard kind == .header, size == headerSizeBytes, nameLength == 0, raw.getUInt32(at: body) == magic,
                        raw.getUInt16(at: body + 4) == version, raw.getUInt16(at: body + 6) == 0,
                        raw.getUInt64(at: body + 8) == segmentBaseSeq
                    else { return nil }
                } else {
                    guard
                        index.accept(
                            kind: kind, raw: raw, body: body, size: size, nameLength: nameLength,
                            keepingPostings: keepingPostings)
                    else {
                        break
                    }
                    if kind == .mark {
                        index.marks[index.marks.count - 1].endOffsetBytes = offset + size
                        index.marks[index.marks.count - 1].checksum = stored
                    }
                }
                previous = stored
                offset += size
                entryCount += 1
            }
            return entryCount == 0 ? nil : index
        }
    }

    /// Checks one posting or mark against what precedes it and appends it; false ends the usable part.
    private mutating func accept(
        kind: Kind, raw: UnsafeRawBufferPointer, body: Int, size: Int, nameLength: Int, keepingPostings: Bool
    ) -> Bool {
        let coveredSoFar = marks.last?.coveredNextSeq ?? segmentBaseSeq
        switch kind {
        case .header:
            return false
        case .posting:
            guard (1...Self.initiatorSizeBytesMax).contains(nameLength), size == Self.postingSizeBytesFixed + nameLength
            else { return false }
            let seq = raw.getUInt64(at: body)
            let batch = Self.batch(raw, at: body + 16, segmentBaseSeq: segmentBaseSeq)
            guard seq >= coveredSoFar, lastPostingSeq.map({ $0 < seq }) ?? true, let batch, batch.baseSeq <= seq
            else { return false }
            postingCount += 1
            lastPostingSeq = seq
            guard keepingPostings else { return true }
            let initiator = String(decoding: raw.slice(body + 40, nameLength), as: UTF8.self)
            postings.append(Posting(seq: seq, timeMs: raw.getInt64(at: body + 8), initiator: initiator, batch: batch))
            return true
        case .mark:
            guard size == Self.markSizeBytes, nameLength == 0 else { return false }
            let covered = raw.getUInt64(at: body)
            guard let batch = Self.batch(raw, at: body + 8, segmentBaseSeq: segmentBaseSeq), covered > batch.baseSeq,
                covered >= coveredSoFar, lastPostingSeq.map({ $0 < covered }) ?? true
            else { return false }
            marks.append(
                Mark(coveredNextSeq: covered, batch: batch, endOffsetBytes: 0, checksum: 0, postingCount: postingCount))
            return true
        }
    }

    private static func batch(_ raw: UnsafeRawBufferPointer, at offset: Int, segmentBaseSeq: UInt64) -> BatchPosition? {
        let position = BatchPosition(
            segmentBaseSeq: segmentBaseSeq, offsetBytes: raw.getUInt64(at: offset), baseSeq: raw.getUInt64(at: offset + 8),
            chainBefore: raw.getUInt64(at: offset + 16))
        guard position.offsetBytes >= BatchPosition.firstBatchOffsetBytes, position.baseSeq >= segmentBaseSeq else {
            return nil
        }
        return position
    }
}
