import HTTPTypes
import Hummingbird

/// Routes of one end user (user keys): only the data of the user the key is bound to. There is no user id in
/// these paths, so a user key cannot even name another user.
struct UserRoutes {
    typealias Context = TollgateRequestContext

    let backend: any BillingBackend

    func collection(keys: APIKeyStore) -> RouteCollection<Context> {
        let routes = RouteCollection(context: Context.self)
        routes.add(middleware: AuthMiddleware(keys: keys, allowed: [.user]))
        routes.get("me/balance", use: balance)
        routes.get("me/enforcement", use: enforcement)
        return routes
    }

    @Sendable func balance(_ request: Request, context: Context) async throws -> Response {
        let userID = try Self.boundUser(context)
        return JSONResponse.make(status: .ok, body: backend.balance(userID: userID), requestID: context.requestID)
    }

    @Sendable func enforcement(_ request: Request, context: Context) async throws -> Response {
        let userID = try Self.boundUser(context)
        return JSONResponse.make(
            status: .ok, body: backend.enforcement(userID: userID), requestID: context.requestID,
            rawMembers: [("module_policy", backend.modulePolicyJSON(userID: userID))])
    }

    static func boundUser(_ context: Context) throws(APIError) -> String {
        let principal = try context.requirePrincipal()
        // The key store refuses user keys without a user; this holds by construction.
        guard let userID = principal.userID else { throw APIError.forbiddenRole(principal.role, allowed: [.user]) }
        return userID
    }
}
