import HTTPTypes
import Hummingbird

/// Limits requests under a path prefix per client IP: the purchase (payment webhook) routes, which are called
/// without an API key, so the caller's address is the only key there is.
///
/// Applied by path prefix so that it covers every route under `/api/v1/webhooks/` — including routes added
/// later — without touching their handlers. The client IP is the TCP peer, or with ``trustForwardedFor`` the
/// first address of `X-Forwarded-For` (only behind a proxy that sets it; a client can forge it otherwise).
struct RateLimitMiddleware: RouterMiddleware {
    typealias Context = TollgateRequestContext

    static let forwardedFor = HTTPField.Name("X-Forwarded-For")!
    /// Longest client-IP key kept; anything longer is cut (an IPv6 text address is ≤ 45 bytes).
    static let clientKeySizeBytesMax = 64

    let pathPrefix: String
    let limiter: RateLimiter
    let trustForwardedFor: Bool
    let metrics: TollgateMetrics

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard request.uri.path.hasPrefix(pathPrefix) else { return try await next(request, context) }
        if case .limited(let seconds) = limiter.admit(clientKey(request, context: context)) {
            metrics.recordRateLimited(limit: "purchase")
            throw APIError.rateLimited(retryAfterSeconds: seconds, scope: "client IP")
        }
        return try await next(request, context)
    }

    func clientKey(_ request: Request, context: Context) -> String {
        if trustForwardedFor, let forwarded = request.headers[Self.forwardedFor] {
            let first = forwarded.split(separator: ",", maxSplits: 1).first?.trimmingCharacters(in: .whitespaces)
            if let first, !first.isEmpty { return String(first.utf8.prefix(Self.clientKeySizeBytesMax))! }
        }
        return context.remoteIPAddress ?? "unknown"
    }
}
