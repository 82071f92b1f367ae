import HTTPTypes
import Hummingbird

/// Authenticates the API key of a request and checks its role against the roles a route group accepts.
///
/// 401 when the key is missing or unknown, 403 when its role is not accepted; on success the caller is in
/// `context.principal`. The key is read from `Authorization: Bearer <key>`, else `X-API-Key`.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = TollgateRequestContext

    let keys: APIKeyRing
    let allowed: [Role]

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard let key = Self.presentedKey(request.headers) else { throw APIError.missingKey() }
        guard let principal = keys.current.authenticate(key: key) else { throw APIError.unknownKey() }
        guard allowed.contains(principal.role) else { throw APIError.forbiddenRole(principal.role, allowed: allowed) }
        var context = context
        context.principal = principal
        return try await next(request, context)
    }

    static func presentedKey(_ headers: HTTPFields) -> String? {
        presentedKey(authorization: headers[.authorization], apiKey: headers[.apiKey])
    }

    /// The key from the two headers' values (shared with the debit fast path, which reads them from raw bytes).
    static func presentedKey(authorization: String?, apiKey: String?) -> String? {
        if let authorization {
            // "Bearer" is case-insensitive (RFC 9110 auth-scheme); compared on bytes, no allocation.
            let bytes = authorization.utf8
            let scheme = "bearer ".utf8
            guard bytes.count > scheme.count,
                zip(bytes.prefix(scheme.count), scheme).allSatisfy({ $0 | 0x20 == $1 | 0x20 })
            else { return nil }
            let key = authorization.utf8.dropFirst(scheme.count).drop { $0 == UInt8(ascii: " ") }
            return key.isEmpty ? nil : String(Substring(key))
        }
        if let apiKey, !apiKey.isEmpty { return apiKey }
        return nil
    }
}
