import HTTPTypes
import Hummingbird
import Logging

/// The per-request context: Hummingbird's core storage plus the correlation id and the authenticated caller.
public struct TollgateRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set by ``CorrelationMiddleware`` before any route runs.
    public var requestID: String = ""
    /// Set by ``AuthMiddleware`` on routes that need a key.
    public var principal: Principal?
    /// The largest request body a route reads (see ``HTTPConfiguration/bodySizeBytesMax``).
    public var bodySizeBytesMax: Int = HTTPConfiguration.defaultBodySizeBytesMax

    public init(source: Source) {
        self.coreContext = .init(source: source)
    }

    public var maxUploadSize: Int { bodySizeBytesMax }

    /// The authenticated caller; routes behind ``AuthMiddleware`` always have one.
    public func requirePrincipal() throws(APIError) -> Principal {
        guard let principal else { throw APIError.missingKey() }
        return principal
    }
}
