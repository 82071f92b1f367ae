/// Where one batch of the raw active segment starts: enough for a reader to begin there and still check everything
/// it passes (the batch header's seq against `baseSeq`, its records' checksums and the hash chain continued from
/// `chainBefore`, which must reproduce the header's `chainAfter`). Derived files that point into the active segment
/// (the engine's audit sidecar) store it; the log never trusts one: a position that does not describe a batch of
/// this exact log fails the reader's checks (``LogReader/init(directory:at:)``).
public struct BatchPosition: Sendable, Hashable {
    /// Base seq of the raw segment (its file name).
    public var segmentBaseSeq: UInt64
    /// Byte offset of the batch header in the segment file.
    public var offsetBytes: UInt64
    /// Seq of the batch's first record.
    public var baseSeq: UInt64
    /// Chain value after the record before the batch (docs/log-format.md, "Hash chain").
    public var chainBefore: UInt64

    public init(segmentBaseSeq: UInt64, offsetBytes: UInt64, baseSeq: UInt64, chainBefore: UInt64) {
        self.segmentBaseSeq = segmentBaseSeq; self.offsetBytes = offsetBytes
        self.baseSeq = baseSeq; self.chainBefore = chainBefore
    }

    /// The byte offset of a raw segment's first batch (after its 32-byte segment header).
    public static let firstBatchOffsetBytes = UInt64(SegmentHeader.sizeBytes)
}

/// Where the acknowledged part of the log ends (``Log/durableEnd``): the raw active segment, its size and the seq
/// and chain value the next batch will continue from. The next batch of a single writer starts exactly here, or at
/// ``BatchPosition/firstBatchOffsetBytes`` of a new segment when it rolls.
public struct LogEnd: Sendable, Hashable {
    public var segmentBaseSeq: UInt64
    public var segmentSizeBytes: UInt64
    public var nextSeq: UInt64
    public var chain: UInt64

    public init(segmentBaseSeq: UInt64, segmentSizeBytes: UInt64, nextSeq: UInt64, chain: UInt64) {
        self.segmentBaseSeq = segmentBaseSeq; self.segmentSizeBytes = segmentSizeBytes
        self.nextSeq = nextSeq; self.chain = chain
    }

    /// Where the next batch starts if it stays in this segment.
    public var nextBatch: BatchPosition {
        BatchPosition(segmentBaseSeq: segmentBaseSeq, offsetBytes: segmentSizeBytes, baseSeq: nextSeq, chainBefore: chain)
    }
}
