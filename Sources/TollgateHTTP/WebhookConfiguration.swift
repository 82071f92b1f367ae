import TollgateEngine

/// How the payment webhook route verifies deliveries and how stored events are retried.
public struct WebhookConfiguration: Sendable {
    /// One automatic retry pass attempts at most this many events (the rest wait for the next pass).
    public static let retryBatchCountMax = 256
    public static let retryIntervalSecondsDefault: Int64 = 60

    /// nil: no secret configured; the webhook route answers 503 and nothing is stored.
    public var signature: WebhookSignature?
    /// The time the signing timestamp is checked against (tests inject one).
    public var clock: Clock
    /// The least time between two attempts at a pending event, and the period of the retry pass.
    public var retryIntervalSeconds: Int64

    public init(
        signature: WebhookSignature? = nil, clock: Clock = .system,
        retryIntervalSeconds: Int64 = Self.retryIntervalSecondsDefault
    ) {
        precondition(retryIntervalSeconds >= 1)
        self.signature = signature
        self.clock = clock
        self.retryIntervalSeconds = retryIntervalSeconds
    }
}
