import TollgateBilling

/// The audit index of one sealed segment: for every initiator, the seq and time of each record it made. A derived
/// file (`DIR/index/<segment>.audit`), rebuildable from the segment at any time and never trusted unless its own
/// checksum holds and it is bound to the exact segment file it covers (its size and the CRC32C of its sealed
/// footer, which holds the chain value over every record of the segment).
public struct AuditIndex: Equatable, Sendable {
    public struct Posting: Equatable, Sendable {
        public var seq: Int64
        public var timeMs: Int64

        public init(seq: Int64, timeMs: Int64) { self.seq = seq; self.timeMs = timeMs }
    }

    public var segmentName: String
    public var segmentSizeBytes: UInt64
    /// CRC32C of the segment's sealed footer (``AuditIndexStore``).
    public var segmentChecksum: UInt32
    public var baseSeq: Int64
    public var lastSeq: Int64
    /// Initiator → postings in seq order; encoded in initiator order.
    public var postings: [String: [Posting]]

    public static let fileSuffix = ".audit"
    public static let directoryName = "index"
    /// Bounds what a decoder accepts: one segment holds at most this many records.
    public static let postingCountMax = 1 << 28

    public init(
        segmentName: String, segmentSizeBytes: UInt64, segmentChecksum: UInt32, baseSeq: Int64, lastSeq: Int64,
        postings: [String: [Posting]]
    ) {
        self.segmentName = segmentName; self.segmentSizeBytes = segmentSizeBytes
        self.segmentChecksum = segmentChecksum; self.baseSeq = baseSeq; self.lastSeq = lastSeq
        self.postings = postings
    }
}
