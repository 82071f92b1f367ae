#if canImport(Glibc)
    import Glibc
#endif

/// The one error of the log layer: a code, a message that names file, byte offset and seq where known, and the
/// errno behind it.
public struct LogError: Error, Sendable, CustomStringConvertible {
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        enum Value: Sendable, Hashable {
            case corruptRecord, tornTail, diskFull, io, failed, invalidArgument, closed, locked, notFound
        }
        let value: Value
        /// A record, batch, header, footer or chain check failed on data that is not a torn tail.
        public static let corruptRecord = Code(value: .corruptRecord)
        /// The last segment ends in a partial batch (only surfaced where a torn tail is not acceptable).
        public static let tornTail = Code(value: .tornTail)
        /// `ENOSPC`/`EDQUOT` while writing: nothing of the append was acknowledged.
        public static let diskFull = Code(value: .diskFull)
        /// Any other operating-system error.
        public static let io = Code(value: .io)
        /// The log is in the failed state after an `fsync`/`fdatasync` error: reopen to recover.
        public static let failed = Code(value: .failed)
        /// Bad input to `append` (limits, decreasing time); nothing was appended.
        public static let invalidArgument = Code(value: .invalidArgument)
        public static let closed = Code(value: .closed)
        /// Another process holds the directory's write lock.
        public static let locked = Code(value: .locked)
        public static let notFound = Code(value: .notFound)

        public var description: String {
            switch value {
            case .corruptRecord: "corruptRecord"
            case .tornTail: "tornTail"
            case .diskFull: "diskFull"
            case .io: "io"
            case .failed: "failed"
            case .invalidArgument: "invalidArgument"
            case .closed: "closed"
            case .locked: "locked"
            case .notFound: "notFound"
            }
        }
    }

    public var code: Code
    public var message: String
    /// The errno behind an `.io`, `.diskFull` or `.failed` error.
    public var errno: Int32?
    /// File name (not path), byte offset in that file, and seq, where known.
    public var file: String?
    public var offset: UInt64?
    public var seq: UInt64?

    public init(
        _ code: Code, _ message: String, errno: Int32? = nil, file: String? = nil, offset: UInt64? = nil,
        seq: UInt64? = nil
    ) {
        self.code = code
        self.message = message
        self.errno = errno
        self.file = file
        self.offset = offset
        self.seq = seq
    }

    public var description: String {
        var text = "\(code): \(message)"
        if let file {
            text += " [file \(file)" + (offset.map { " at byte \($0)" } ?? "") + (seq.map { " seq \($0)" } ?? "") + "]"
        } else if let seq {
            text += " [seq \(seq)]"
        }
        if let errno { text += " (errno \(errno): \(String(cString: strerror(errno))))" }
        return text
    }

    static func from(_ error: Errno, _ what: String, file: String? = nil) -> LogError {
        let code: Code = (error.rawValue == ENOSPC || error.rawValue == EDQUOT) ? .diskFull : .io
        return LogError(code, what, errno: error.rawValue, file: file)
    }
}
