import Foundation
import HTTPTypes
import Hummingbird

/// Authenticates the API key of a request and checks its role against the roles a route group accepts.
///
/// 401 when the key is missing or unknown, 403 when its role is not accepted; on success the caller is in
/// `context.principal`. The key is read from `Authorization: Bearer <key>`, else `X-API-Key`.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = TollgateRequestContext

    let keys: APIKeyStore
    let allowed: [Role]

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard let key = Self.presentedKey(request.headers) else { throw APIError.missingKey() }
        guard let principal = keys.authenticate(key: key) else { throw APIError.unknownKey() }
        guard allowed.contains(principal.role) else { throw APIError.forbiddenRole(principal.role, allowed: allowed) }
        var context = context
        context.principal = principal
        context.logger[metadataKey: "key_id"] = .string(principal.keyID)
        return try await next(request, context)
    }

    static func presentedKey(_ headers: HTTPFields) -> String? {
        if let authorization = headers[.authorization] {
            let prefix = "bearer "
            guard authorization.count > prefix.count, authorization.lowercased().hasPrefix(prefix) else { return nil }
            let key = authorization.dropFirst(prefix.count).trimmingCharacters(in: .whitespaces)
            return key.isEmpty ? nil : key
        }
        if let key = headers[.apiKey], !key.isEmpty { return key }
        return nil
    }
}
