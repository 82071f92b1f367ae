import Foundation
import TollgateBilling
import TollgateLog

/// The audit index files of a log directory (`DIR/index/<segment>.audit`, one per sealed segment): loading with
/// every check, building from the segment, and refreshing them all. Only ``refresh()`` writes, and only inside
/// `DIR/index/`; the log's own files are never touched.
public struct AuditIndexStore: Sendable {
    public let directory: String

    public init(directory: String) { self.directory = directory }

    public var indexDirectory: String { directory + "/" + AuditIndex.directoryName }

    func indexPath(_ segment: SegmentFileName) -> String {
        indexDirectory + "/" + segment.name + AuditIndex.fileSuffix
    }

    /// The log's segments in seq order.
    public func segments() throws(EngineError) -> [SegmentFileName] {
        do {
            return SegmentFileName.segments(of: try FileManager.default.contentsOfDirectory(atPath: directory))
        } catch {
            throw EngineError(.badQuery, "no log directory at \(directory)")
        }
    }

    /// The sealed footer's size (docs/log-format.md): the last bytes of every sealed segment, checksummed, holding
    /// its base and last seq, the chain value before and after its records and the block index checksum.
    static let sealedFooterSizeBytes = 80

    /// What binds an index to its segment: the file size and the CRC32C of the sealed footer. The footer's chain
    /// value is a hash over every record's checksum, so another segment (or this one rewritten) cannot match; the
    /// bytes in between are the log's own checksums' business, checked whenever a record is read. O(1): no need to
    /// read the whole segment to trust its index.
    func fingerprint(_ segment: SegmentFileName) throws(EngineError) -> (sizeBytes: UInt64, checksum: UInt32) {
        let path = directory + "/" + segment.name
        guard let handle = FileHandle(forReadingAtPath: path) else { throw EngineError(.log, "cannot read \(segment.name)") }
        defer { try? handle.close() }
        do {
            let size = try handle.seekToEnd()
            guard size >= UInt64(Self.sealedFooterSizeBytes) else {
                throw EngineError(.log, "\(segment.name) is shorter than a sealed footer")
            }
            try handle.seek(toOffset: size - UInt64(Self.sealedFooterSizeBytes))
            let footer = try handle.read(upToCount: Self.sealedFooterSizeBytes) ?? Data()
            guard footer.count == Self.sealedFooterSizeBytes else {
                throw EngineError(.log, "cannot read the footer of \(segment.name)")
            }
            return (size, footer.withUnsafeBytes { CRC32C.update(0, $0) })
        } catch let error as EngineError {
            throw error
        } catch {
            throw EngineError(.log, "cannot read \(segment.name): \(error)")
        }
    }

    /// Why an index file is not used, or nil when it is valid for exactly this segment.
    public enum Rejection: Error, Equatable, Sendable, CustomStringConvertible {
        case missing
        case corrupt
        case otherSegment

        public var description: String {
            switch self {
            case .missing: "no index"
            case .corrupt: "index checksum or layout is bad"
            case .otherSegment: "index does not match the segment it names (size, checksum or base seq)"
            }
        }
    }

    /// The segment's index if its file is intact and bound to this exact segment file.
    public func load(_ segment: SegmentFileName) throws(EngineError) -> Result<AuditIndex, Rejection> {
        precondition(segment.isSealed, "only sealed segments are indexed")
        guard let data = FileManager.default.contents(atPath: indexPath(segment)) else { return .failure(.missing) }
        guard let index = AuditIndex.decode([UInt8](data), segmentName: segment.name) else {
            return .failure(.corrupt)
        }
        let fingerprint = try fingerprint(segment)
        guard index.baseSeq == segment.baseSeq, index.segmentSizeBytes == fingerprint.sizeBytes,
            index.segmentChecksum == fingerprint.checksum
        else { return .failure(.otherSegment) }
        return .success(index)
    }

    /// Builds the index of a sealed segment by reading its records (those with seq < `nextBaseSeq`). Records that
    /// never name an initiator (debits, consumes: almost all) are read and checked but not decoded.
    public func build(_ segment: SegmentFileName, nextBaseSeq: Int64?) throws(EngineError) -> AuditIndex {
        let fingerprint = try fingerprint(segment)
        var postings: [String: [AuditIndex.Posting]] = [:]
        var lastSeq = segment.baseSeq - 1
        var reader = try LedgerReader(directory: directory, fromSeq: segment.baseSeq)
        while let entry = try reader.next(decodingOnly: { seq, _, typeTag in
            if let nextBaseSeq, seq >= nextBaseSeq { return true }
            lastSeq = seq
            return LedgerRecord.mayHaveInitiator(typeTag: typeTag)
        }) {
            if let nextBaseSeq, entry.seq >= nextBaseSeq { break }
            if let initiator = entry.record.initiatedBy {
                postings[initiator, default: []].append(
                    AuditIndex.Posting(seq: entry.seq, timeMs: entry.time.millisecondsSinceEpoch))
            }
        }
        guard lastSeq >= segment.baseSeq else { throw EngineError(.log, "\(segment.name) holds no record") }
        return AuditIndex(
            segmentName: segment.name, segmentSizeBytes: fingerprint.sizeBytes, segmentChecksum: fingerprint.checksum,
            baseSeq: segment.baseSeq, lastSeq: lastSeq, postings: postings)
    }

    /// Writes `index` to its file through a temporary name and a rename, so a reader sees the old file, no file or
    /// the whole new one (and checks its checksum anyway).
    func write(_ index: AuditIndex, for segment: SegmentFileName) throws(EngineError) {
        let path = indexPath(segment)
        do {
            try FileManager.default.createDirectory(atPath: indexDirectory, withIntermediateDirectories: true)
            try Data(index.encoded()).write(to: URL(fileURLWithPath: path + ".tmp"))
            if FileManager.default.fileExists(atPath: path) { try FileManager.default.removeItem(atPath: path) }
            try FileManager.default.moveItem(atPath: path + ".tmp", toPath: path)
        } catch {
            throw EngineError(.log, "cannot write \(path): \(error)")
        }
    }

    /// Bounds the work of one ``indexNewestSealed(countMax:)`` call (the writer pays it inline).
    public static let sealIndexCountMaxDefault = 2

    /// Writes the index of the newest sealed segments that have no index file, newest first, stopping at the first
    /// sealed segment that has one or after `countMax` builds: the writer's cheap catch-up after sealing (and at
    /// open). Existence is all it checks; `refresh()` (`tollgate index`) validates and rebuilds every file.
    /// Returns the names of the segments indexed.
    public func indexNewestSealed(countMax: Int = sealIndexCountMaxDefault) throws(EngineError) -> [String] {
        precondition(countMax >= 1)
        let segments = try segments()
        var built: [String] = []
        for position in segments.indices.reversed() where segments[position].isSealed {
            let segment = segments[position]
            if FileManager.default.fileExists(atPath: indexPath(segment)) || built.count == countMax { break }
            let next = position + 1 < segments.count ? segments[position + 1].baseSeq : nil
            try write(try build(segment, nextBaseSeq: next), for: segment)
            built.append(segment.name)
        }
        return built
    }

    /// What ``refresh()`` did to one file.
    public struct RefreshLine: Sendable {
        public var name: String
        /// `valid` (kept), `built` (new or replacing a rejected one, with the reason), `removed` (no such segment).
        public var action: String
        public var detail: String?

        public var json: JSONValue {
            .object([("segment", .string(name)), ("action", .string(action)), ("detail", detail.map(JSONValue.string) ?? .null)])
        }
    }

    /// Keeps the raw active segment's sidecar when it decodes and holds a coverage mark (`audit` checks its marks
    /// and postings against the log on every use), and otherwise builds it by reading the segment.
    func refreshActive(_ segment: SegmentFileName) throws(EngineError) -> RefreshLine {
        precondition(!segment.isSealed)
        let base = UInt64(segment.baseSeq)
        let rejection: String
        switch ActiveAuditIndex.load(directory: directory, segmentBaseSeq: base) {
        case .success(let index) where !index.marks.isEmpty:
            return RefreshLine(name: segment.name, action: "valid", detail: "active segment sidecar")
        case .success: rejection = "sidecar covers nothing yet"
        case .failure(let reason): rejection = reason.description
        }
        let bytes = try ActiveAuditIndex.build(directory: directory, segmentBaseSeq: base)
        try ActiveAuditIndex.write(bytes, directory: directory, segmentBaseSeq: base)
        return RefreshLine(name: segment.name, action: "built", detail: "active segment sidecar: " + rejection)
    }

    /// Makes every sealed segment's index valid (keeping valid ones, rebuilding the rest), the raw active segment's
    /// sidecar too (``refreshActive(_:)``), and removes index files of segments that no longer exist. Files are written to a temporary name and renamed.
    public func refresh() throws(EngineError) -> [RefreshLine] {
        let segments = try segments()
        do {
            try FileManager.default.createDirectory(atPath: indexDirectory, withIntermediateDirectories: true)
        } catch {
            throw EngineError(.log, "cannot create \(indexDirectory): \(error)")
        }
        var lines: [RefreshLine] = []
        var expected: Set<String> = []
        for (position, segment) in segments.enumerated() where segment.isSealed {
            expected.insert(segment.name + AuditIndex.fileSuffix)
            let rejection: Rejection
            switch try load(segment) {
            case .success:
                lines.append(RefreshLine(name: segment.name, action: "valid", detail: nil))
                continue
            case .failure(let reason): rejection = reason
            }
            let next = position + 1 < segments.count ? segments[position + 1].baseSeq : nil
            try write(try build(segment, nextBaseSeq: next), for: segment)
            lines.append(RefreshLine(name: segment.name, action: "built", detail: rejection.description))
        }
        if let last = segments.last, !last.isSealed {
            lines.append(try refreshActive(last))
            expected.insert(last.name + ActiveAuditIndex.fileSuffix)
        }
        let present = (try? FileManager.default.contentsOfDirectory(atPath: indexDirectory)) ?? []
        for name in present.sorted() where !expected.contains(name) {
            try? FileManager.default.removeItem(atPath: indexDirectory + "/" + name)
            lines.append(RefreshLine(name: name, action: "removed", detail: "no such sealed segment"))
        }
        return lines
    }
}
