/// One record to append. `type` is an opaque tag and `body` opaque bytes: the log knows nothing of billing.
public struct RecordInput: Sendable {
    public var timeMs: Int64
    public var type: UInt8
    public var body: [UInt8]

    public init(timeMs: Int64, type: UInt8, body: [UInt8]) {
        self.timeMs = timeMs
        self.type = type
        self.body = body
    }
}

/// One record read back, with its seq and the CRC32C that covers it (see docs/log-format.md).
public struct LogRecord: Sendable, Hashable {
    public let seq: UInt64
    public let timeMs: Int64
    public let type: UInt8
    public let body: [UInt8]
    public let checksum: UInt32

    public init(seq: UInt64, timeMs: Int64, type: UInt8, body: [UInt8], checksum: UInt32) {
        self.seq = seq
        self.timeMs = timeMs
        self.type = type
        self.body = body
        self.checksum = checksum
    }
}

extension LogRecord {
    /// The record `input` becomes when appended at `seq`, with its checksum (what a reader will return).
    public init(seq: UInt64, input: RecordInput) {
        let checksum = input.body.withUnsafeBytes {
            recordChecksum(seq: seq, timeMs: input.timeMs, type: input.type, body: $0)
        }
        self.init(seq: seq, timeMs: input.timeMs, type: input.type, body: input.body, checksum: checksum)
    }
}

/// One record read back, borrowed: the same fields as ``LogRecord`` with the body as a view of the reader's
/// decompressed block instead of an array of its own. Valid only inside the closure it is handed to
/// (``LogReader/withNext(_:)``): a replay that decodes each body at once need not copy every body first.
public struct LogRecordView {
    public let seq: UInt64
    public let timeMs: Int64
    public let type: UInt8
    public let checksum: UInt32
    /// The record's body bytes, in the reader's buffer: never to be kept past the closure.
    public let body: UnsafeRawBufferPointer

    @usableFromInline
    init(seq: UInt64, timeMs: Int64, type: UInt8, checksum: UInt32, body: UnsafeRawBufferPointer) {
        self.seq = seq
        self.timeMs = timeMs
        self.type = type
        self.checksum = checksum
        self.body = body
    }

    /// A copy that owns its body.
    public var record: LogRecord {
        LogRecord(seq: seq, timeMs: timeMs, type: type, body: Array(body), checksum: checksum)
    }
}

/// The records of one batch from the reader's position on, borrowed (``LogReader/withEachBatch(_:)``): every one
/// already checked (the batch is validated whole — framing, checksums, times, chain — before any record is handed
/// out), so iterating them only reads each record's 13-byte frame (docs/log-format.md, "Record"), with no check
/// and no call: the iterator is inlined into the caller's loop. Valid only inside the closure it is handed to.
public struct LogRecordBatch: Sequence {
    /// The bytes from the first record's frame to the batch's end.
    @usableFromInline let bytes: UnsafeRawBufferPointer
    /// The seq of the first record here.
    public let firstSeq: UInt64
    /// The batch's base time, which each record's time delta is added to.
    @usableFromInline let baseTimeMs: Int64
    /// How many records `bytes` holds.
    public let recordCount: Int

    init(bytes: UnsafeRawBufferPointer, firstSeq: UInt64, baseTimeMs: Int64, recordCount: Int) {
        precondition(recordCount >= 1 && bytes.count >= recordCount * RecordHeader.sizeBytes)
        self.bytes = bytes
        self.firstSeq = firstSeq
        self.baseTimeMs = baseTimeMs
        self.recordCount = recordCount
    }

    @inlinable
    public func makeIterator() -> Iterator {
        Iterator(bytes: bytes, seq: firstSeq, endSeq: firstSeq + UInt64(recordCount), baseTimeMs: baseTimeMs)
    }

    /// The records in order, as ``LogRecordView``s.
    public struct Iterator: IteratorProtocol {
        @usableFromInline let bytes: UnsafeRawBufferPointer
        @usableFromInline var offset = 0
        @usableFromInline var seq: UInt64
        @usableFromInline let endSeq: UInt64
        @usableFromInline let baseTimeMs: Int64

        @usableFromInline
        init(bytes: UnsafeRawBufferPointer, seq: UInt64, endSeq: UInt64, baseTimeMs: Int64) {
            self.bytes = bytes
            self.seq = seq
            self.endSeq = endSeq
            self.baseTimeMs = baseTimeMs
        }

        /// The next record: its frame is checksum (u32), body size (u32), time delta (u32), type (u8), all
        /// little-endian, then the body — as `BatchCodec.recordView` reads it.
        @inlinable @inline(__always)
        public mutating func next() -> LogRecordView? {
            guard seq < endSeq else { return nil }
            let checksum = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
            let bodySizeBytes = Int(
                UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self)))
            let deltaMs = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset + 8, as: UInt32.self))
            let type = bytes.load(fromByteOffset: offset + 12, as: UInt8.self)
            let bodyStart = offset + 13
            assert(bodyStart + bodySizeBytes <= bytes.count, "a validated batch's record ends inside it")
            let record = LogRecordView(
                seq: seq, timeMs: baseTimeMs &+ Int64(deltaMs), type: type, checksum: checksum,
                body: UnsafeRawBufferPointer(rebasing: bytes[bodyStart..<(bodyStart + bodySizeBytes)]))
            offset = bodyStart + bodySizeBytes
            seq += 1
            return record
        }
    }

    /// What a ``LogReader/withEachBatch(_:)`` body did with a batch: how many of its records it took (from the
    /// first), and whether it stops there. A body that goes on takes every record.
    public struct Progress {
        public var recordCount: Int
        public var stopped: Bool

        public init(recordCount: Int, stopped: Bool) {
            self.recordCount = recordCount
            self.stopped = stopped
        }
    }
}
