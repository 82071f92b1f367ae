/// How the HTTP service listens and what it accepts.
public struct HTTPConfiguration: Sendable {
    /// 64 KiB: a `define_plan` with 16 KiB of compact `module_rules` fits with room for pretty-printing.
    public static let defaultBodySizeBytesMax = 64 * 1024

    public var host: String
    public var port: Int
    /// Requests with a larger body get 413 and append nothing.
    public var bodySizeBytesMax: Int
    /// Payment webhooks: the signing secret, its clock, the retry period (docs/purchases.md).
    public var webhooks = WebhookConfiguration()

    public init(host: String = "127.0.0.1", port: Int = 8080, bodySizeBytesMax: Int = Self.defaultBodySizeBytesMax) {
        precondition(bodySizeBytesMax > 0)
        self.host = host
        self.port = port
        self.bodySizeBytesMax = bodySizeBytesMax
    }
}
