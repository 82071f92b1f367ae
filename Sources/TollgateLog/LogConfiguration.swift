/// How the log makes an append durable before `append` returns.
public enum Durability: Sendable, Hashable {
    /// `append` returns after an `fdatasync` covering its records; concurrent appenders share one `fdatasync`.
    case groupCommit
    /// `append` returns after `pwrite`; a background thread calls `fdatasync` every `milliseconds`.
    case interval(milliseconds: Int64)
    /// `append` returns after `pwrite`; never synced except when sealing and closing (tests only).
    case none
}

/// What opening does when it finds a bad record that is not a torn tail.
public enum RecoveryMode: Sendable, Hashable {
    /// Refuse to open: the error names the file, byte offset and seq.
    case strict
    /// Truncate the log after the last good record (operator's explicit choice, like RocksDB's
    /// `kPointInTimeRecovery`); everything after it is deleted and reported.
    case truncateAfterLastGood
}

public struct LogConfiguration: Sendable {
    /// A segment is rolled (sealed) before an append that would make it larger than this.
    public var segmentSizeBytes: UInt64
    public var durability: Durability
    public var recovery: RecoveryMode
    /// When true (default), opening decompresses and checks every record of every sealed segment, so a bad record
    /// anywhere makes `open` fail (strict) instead of surfacing later in a reader. When false, opening checks
    /// sealed segments' footers, block indexes and chain links only (a reader still checks every record it
    /// returns) — for a caller that replays the whole log through `LogReader` right after opening anyway.
    public var verifySealedSegmentsOnOpen: Bool
    /// How far ahead of its records the writer fills the active raw segment with written zeros (0: off, the file
    /// grows with every append). An append into blocks that are already allocated and written inside the file's
    /// size changes no file-system metadata, so its `fdatasync` needs no journal commit: measured ~1.3× the syncs
    /// per second of a growing file on this project's VM (docs/log-format.md, "Preallocated tail"). Never past the
    /// segment size (unless one batch is larger); a roll and a clean close cut the zeros off again.
    public var preallocationStepBytes: UInt64

    public init(
        segmentSizeBytes: UInt64 = 64 << 20,
        durability: Durability = .groupCommit,
        recovery: RecoveryMode = .strict,
        verifySealedSegmentsOnOpen: Bool = true,
        preallocationStepBytes: UInt64 = LogLimits.preallocationStepBytesDefault
    ) {
        self.segmentSizeBytes = segmentSizeBytes
        self.durability = durability
        self.recovery = recovery
        self.verifySealedSegmentsOnOpen = verifySealedSegmentsOnOpen
        self.preallocationStepBytes = preallocationStepBytes
    }
}

/// Named limits (TigerStyle: a limit on everything, checked at the boundary, asserted inside).
public enum LogLimits {
    /// Largest body of one record.
    public static let recordBodySizeBytesMax: Int = 1 << 20
    /// Most records in one `append` call (one append is one on-disk batch, so it is atomic).
    public static let batchRecordCountMax: Int = 65_536
    /// Largest encoded batch (header + records). One batch must fit in one LZ4 block (4 MiB) together with the
    /// segment header, so a sealed segment can be read block by block.
    public static let batchSizeBytesMax: Int = (4 << 20) - SegmentHeader.sizeBytes
    /// Widest time span of one batch: record times are stored as 32-bit offsets from the batch's first record.
    /// Writers with records further apart append them in separate batches.
    public static let batchTimeSpanMillisecondsMax: Int64 = Int64(UInt32.max)
    /// Smallest and largest configurable segment size.
    public static let segmentSizeBytesMin: UInt64 = 128
    public static let segmentSizeBytesMax: UInt64 = 1 << 40
    /// Uncompressed bytes gathered into one LZ4 block when sealing (a lone larger batch gets its own block).
    public static let sealBlockTargetSizeBytes: Int = 64 << 10
    /// LZ4 frame block maximum (block size id 7).
    public static let sealBlockSizeBytesMax: Int = 4 << 20
    /// Read buffer of a raw segment scan.
    static let readWindowSizeBytes: Int = 8 << 20
    /// Default and largest preallocation step (`LogConfiguration.preallocationStepBytes`).
    public static let preallocationStepBytesDefault: UInt64 = 1 << 20
    public static let preallocationStepBytesMax: UInt64 = 64 << 20
    /// Zeros are never written within this many bytes after the records: a misdirected write (a fault the
    /// simulation injects, up to 4 KiB off) of zeros must not be able to erase records, which would then read as
    /// the clean end of the log. The gap is left as a hole (it reads as zeros) and fills with the next records.
    static let preallocationGuardBytes: UInt64 = 4096
    /// Largest single write of zeros (one shared buffer of this size).
    static let preallocationWriteSizeBytesMax: Int = 1 << 20
    /// Most segments in one directory that open or a reader will list.
    public static let segmentCountMax: Int = 1_000_000
}
