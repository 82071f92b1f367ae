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

    /// A copy that owns its body.
    public var record: LogRecord {
        LogRecord(seq: seq, timeMs: timeMs, type: type, body: Array(body), checksum: checksum)
    }
}
