/// An operating failure of the engine: the log failed, or its contents cannot be folded.
///
/// Bad input is never an `EngineError` (it is an `invalid` result); a business refusal is a decision.
public struct EngineError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// The storage layer failed (I/O, disk full, fsync); the engine refuses further work.
        case log
        /// A record in the log cannot be decoded as a billing record.
        case undecodableRecord
        /// The engine is in its failed state after an earlier log failure.
        case failed
        /// A query asked for something that does not exist or is out of range.
        case badQuery
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
