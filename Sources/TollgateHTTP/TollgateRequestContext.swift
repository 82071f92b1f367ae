import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// The per-request context: Hummingbird's core storage plus the correlation id and the authenticated caller.
public struct TollgateRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set by ``CorrelationMiddleware`` before any route runs.
    public var requestID: String = ""
    /// Set by ``AuthMiddleware`` on routes that need a key.
    public var principal: Principal?
    /// The largest request body a route reads (see ``HTTPConfiguration/bodySizeBytesMax``).
    public var bodySizeBytesMax: Int = HTTPConfiguration.defaultBodySizeBytesMax

    /// Hummingbird's per-request id (`hb.request.id`) for a context the debit fast path built: added to a line only
    /// when one is logged, where Hummingbird sets it on the request's logger up front. The line is the same (the
    /// log handler merges and sorts metadata); nil on the router's contexts, whose logger carries it already.
    var deferredHummingbirdRequestID: RequestID?

    /// The connection, kept so the peer's address is formatted only by the routes that ask for it.
    private let channel: any Channel

    /// The TCP peer's IP address, for per-IP rate limits; nil when there is none (in-memory tests).
    ///
    /// Computed on demand: only the purchase routes' rate limit reads it, and formatting the address (a lock in
    /// the channel, `inet_ntop`, a string) for every request was a cost of every debit.
    public var remoteIPAddress: String? { channel.remoteAddress?.ipAddress }

    public init(source: Source) {
        self.coreContext = .init(source: source)
        self.channel = source.channel
    }

    public var maxUploadSize: Int { bodySizeBytesMax }

    /// Logs with the request's correlation id (and key id once authenticated) on the line.
    ///
    /// The ids are added per call rather than set on `logger`: setting logger metadata re-renders the handler's
    /// metadata on every request, which cost ~10% of a debit's CPU with `StreamLogHandler`.
    public func log(
        _ level: Logger.Level, _ message: @autoclosure () -> Logger.Message,
        _ metadata: @autoclosure () -> Logger.Metadata = [:]
    ) {
        guard logger.logLevel <= level else { return }
        var merged = metadata()
        merged["request_id"] = .string(requestID)
        if let principal { merged["key_id"] = .string(principal.keyID) }
        if let hummingbirdRequestID = deferredHummingbirdRequestID {
            merged["hb.request.id"] = .stringConvertible(hummingbirdRequestID)
        }
        logger.log(level: level, message(), metadata: merged)
    }

    /// The authenticated caller; routes behind ``AuthMiddleware`` always have one.
    public func requirePrincipal() throws(APIError) -> Principal {
        guard let principal else { throw APIError.missingKey() }
        return principal
    }
}
