/// How the HTTP service listens and what it accepts.
public struct HTTPConfiguration: Sendable {
    /// 64 KiB: a `define_plan` with 16 KiB of compact `module_rules` fits with room for pretty-printing.
    public static let defaultBodySizeBytesMax = 64 * 1024
    /// The seeds' limit of the charge routes (debits, consumes): per debited user.
    public static let defaultChargeRequestsPerMinute = 100
    /// The seeds' limit of the purchase (payment webhook) routes: per client IP.
    public static let defaultPurchaseRequestsPerMinute = 10

    public var host: String
    public var port: Int
    /// Requests with a larger body get 413 and append nothing.
    public var bodySizeBytesMax: Int
    /// Payment webhooks: the signing secret, its clock, the retry period (docs/purchases.md).
    public var webhooks = WebhookConfiguration()
    /// Debits and consumes per user per minute; 0 turns the limit off. Excess gets 429 with `Retry-After`.
    public var chargeRequestsPerMinute: Int
    /// Requests under `/api/v1/webhooks/` per client IP per minute; 0 turns the limit off.
    public var purchaseRequestsPerMinute: Int
    /// Take the client IP from the first `X-Forwarded-For` address (only behind a proxy that sets it).
    public var trustForwardedFor: Bool
    /// Keys each rate limiter tracks at most (see ``RateLimiter``).
    public var rateLimitTrackedKeyCountMax: Int
    /// Answer plain debits from valid service keys on the event loop (docs/http-api.md, "The debit fast path");
    /// off, every request goes through the router. Same responses either way.
    public var debitFastPath = true

    public init(
        host: String = "127.0.0.1", port: Int = 8080, bodySizeBytesMax: Int = Self.defaultBodySizeBytesMax,
        chargeRequestsPerMinute: Int = Self.defaultChargeRequestsPerMinute,
        purchaseRequestsPerMinute: Int = Self.defaultPurchaseRequestsPerMinute, trustForwardedFor: Bool = false,
        rateLimitTrackedKeyCountMax: Int = RateLimiter.trackedKeyCountMaxDefault
    ) {
        precondition(bodySizeBytesMax > 0)
        precondition(chargeRequestsPerMinute >= 0 && purchaseRequestsPerMinute >= 0 && rateLimitTrackedKeyCountMax > 0)
        self.host = host
        self.port = port
        self.bodySizeBytesMax = bodySizeBytesMax
        self.chargeRequestsPerMinute = chargeRequestsPerMinute
        self.purchaseRequestsPerMinute = purchaseRequestsPerMinute
        self.trustForwardedFor = trustForwardedFor
        self.rateLimitTrackedKeyCountMax = rateLimitTrackedKeyCountMax
    }
}
