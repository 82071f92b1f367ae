#if canImport(Glibc)
    import Glibc
#endif
import TollgateLog

/// The engine's open sidecar of the raw active segment (``ActiveAuditIndex``): appends postings and coverage marks
/// after each durable commit with one `pwrite`, never `fsync` (a derived file: a lost tail only makes `audit` scan a
/// little more). Owned by the single writer; every failure is thrown to the engine, which stops indexing the
/// segment (``Engine/recordActiveAudit(_:end:)``).
final class ActiveAuditWriter {
    let segmentBaseSeq: UInt64
    let path: String
    private var descriptor: Int32
    private(set) var sizeBytes: Int
    /// The checksum of the last entry written (the next one chains from it).
    private var previousChecksum: UInt32
    /// The segment size at the last mark (marks at least every ``markIntervalBytes`` of log).
    private var markedSegmentSizeBytes: UInt64?
    private var buffer: [UInt8] = []
    /// The newest coverage not yet marked (a commit without postings inside the mark interval): `finish()` marks it.
    private var unmarked: (batch: BatchPosition, coveredNextSeq: UInt64, segmentSizeBytes: UInt64)?

    /// A mark at least this often (bytes of log), so the part of the segment `audit` must scan after the newest
    /// mark — and a restarted writer's catch-up — stays under about this much.
    static let markIntervalBytes: UInt64 = 1 << 20

    private init(segmentBaseSeq: UInt64, path: String, descriptor: Int32, sizeBytes: Int, previousChecksum: UInt32) {
        self.segmentBaseSeq = segmentBaseSeq; self.path = path; self.descriptor = descriptor
        self.sizeBytes = sizeBytes; self.previousChecksum = previousChecksum
    }

    deinit { if descriptor >= 0 { close(descriptor) } }

    private static func openFile(_ path: String, directory: String) throws(EngineError) -> Int32 {
        let indexDirectory = directory + "/" + AuditIndex.directoryName
        if mkdir(indexDirectory, 0o755) != 0, errno != EEXIST {
            throw EngineError(.log, "cannot create \(indexDirectory): errno \(errno)")
        }
        let descriptor = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw EngineError(.log, "cannot open \(path): errno \(errno)") }
        return descriptor
    }

    /// A new, empty sidecar (just its header) for a segment that holds no record yet.
    static func create(directory: String, segmentBaseSeq: UInt64) throws(EngineError) -> ActiveAuditWriter {
        let path = ActiveAuditIndex.path(directory: directory, segmentBaseSeq: segmentBaseSeq)
        let descriptor = try openFile(path, directory: directory)
        let writer = ActiveAuditWriter(
            segmentBaseSeq: segmentBaseSeq, path: path, descriptor: descriptor, sizeBytes: 0, previousChecksum: 0)
        guard ftruncate(descriptor, 0) == 0 else { throw EngineError(.log, "cannot truncate \(path): errno \(errno)") }
        writer.previousChecksum = ActiveAuditIndex.appendHeader(segmentBaseSeq: segmentBaseSeq, into: &writer.buffer)
        try writer.flush()
        return writer
    }

    /// Continues an existing sidecar after `mark` (confirmed against the log by the caller): the file is cut back to
    /// the end of that mark, dropping whatever followed it.
    static func resume(directory: String, segmentBaseSeq: UInt64, after mark: ActiveAuditIndex.Mark)
        throws(EngineError) -> ActiveAuditWriter
    {
        let path = ActiveAuditIndex.path(directory: directory, segmentBaseSeq: segmentBaseSeq)
        let descriptor = try openFile(path, directory: directory)
        let writer = ActiveAuditWriter(
            segmentBaseSeq: segmentBaseSeq, path: path, descriptor: descriptor, sizeBytes: mark.endOffsetBytes,
            previousChecksum: mark.checksum)
        guard ftruncate(descriptor, off_t(mark.endOffsetBytes)) == 0 else {
            throw EngineError(.log, "cannot truncate \(path): errno \(errno)")
        }
        return writer
    }

    /// Appends postings of records in batches of this segment and, when there are postings, when forced, when no
    /// mark was written by this writer yet, or after ``markIntervalBytes`` of log, a mark covering up to `coveredNextSeq`
    /// from `markBatch` (a batch holding a record before `coveredNextSeq`).
    func append(
        _ postings: [ActiveAuditIndex.Posting], markBatch: BatchPosition, coveredNextSeq: UInt64,
        segmentSizeBytes: UInt64, forceMark: Bool = false
    ) throws(EngineError) {
        precondition(markBatch.segmentBaseSeq == segmentBaseSeq)
        let markDue =
            forceMark || !postings.isEmpty || markedSegmentSizeBytes.map { segmentSizeBytes - $0 >= Self.markIntervalBytes } ?? true
        guard markDue else {
            unmarked = (markBatch, coveredNextSeq, segmentSizeBytes)
            return
        }
        unmarked = nil
        for posting in postings {
            assert(posting.batch.segmentBaseSeq == segmentBaseSeq && posting.seq < coveredNextSeq)
            previousChecksum = ActiveAuditIndex.appendPosting(posting, previous: previousChecksum, into: &buffer)
        }
        previousChecksum = ActiveAuditIndex.appendMark(
            coveredNextSeq: coveredNextSeq, batch: markBatch, previous: previousChecksum, into: &buffer)
        markedSegmentSizeBytes = segmentSizeBytes
        try flush()
    }

    private func flush() throws(EngineError) {
        defer { buffer.removeAll(keepingCapacity: true) }
        guard sizeBytes + buffer.count <= ActiveAuditIndex.fileSizeBytesMax else {
            throw EngineError(.log, "\(path) would exceed \(ActiveAuditIndex.fileSizeBytesMax) bytes")
        }
        var written = 0
        // Bounded: each round writes at least one byte or throws.
        while written < buffer.count {
            let result = buffer.withUnsafeBytes {
                pwrite(descriptor, $0.baseAddress! + written, $0.count - written, off_t(sizeBytes + written))
            }
            if result < 0 && errno == EINTR { continue }
            guard result > 0 else { throw EngineError(.log, "cannot write \(path): errno \(errno)") }
            written += result
        }
        sizeBytes += written
    }

    /// Stops appending and deletes the file (the segment was sealed, or indexing it failed).
    func discard() {
        if descriptor >= 0 { close(descriptor) }
        descriptor = -1
        unlink(path)
    }

    /// Marks what is covered but not yet marked, stops appending and keeps the file (the engine closes).
    func finish() throws(EngineError) {
        defer {
            if descriptor >= 0 { close(descriptor) }
            descriptor = -1
        }
        if let unmarked, descriptor >= 0 {
            try append(
                [], markBatch: unmarked.batch, coveredNextSeq: unmarked.coveredNextSeq,
                segmentSizeBytes: unmarked.segmentSizeBytes, forceMark: true)
        }
    }

    /// Deletes a sidecar file no writer holds (one the log does not confirm).
    static func discardFile(directory: String, segmentBaseSeq: UInt64) {
        unlink(ActiveAuditIndex.path(directory: directory, segmentBaseSeq: segmentBaseSeq))
    }
}
