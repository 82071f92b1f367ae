import HTTPTypes
import Hummingbird
import TollgateEngine

/// Routes of one end user (user keys): only the data of the user the key is bound to. There is no user id in
/// these paths, so a user key cannot even name another user.
struct UserRoutes {
    typealias Context = TollgateRequestContext

    let backend: any BillingBackend
    let history: LogHistory
    /// The request time at which enforcement and the module policy are evaluated (the router's clock).
    let clock: Clock

    func collection(keys: APIKeyRing) -> RouteCollection<Context> {
        let routes = RouteCollection(context: Context.self)
        routes.add(middleware: AuthMiddleware(keys: keys, allowed: [.user]))
        routes.get("me/balance", use: balance)
        routes.get("me/enforcement", use: enforcement)
        routes.get("me/transactions", use: transactions)
        return routes
    }

    @Sendable func balance(_ request: Request, context: Context) async throws -> Response {
        let userID = try Self.boundUser(context)
        return JSONResponse.make(status: .ok, body: backend.balance(userID: userID), requestID: context.requestID)
    }

    @Sendable func enforcement(_ request: Request, context: Context) async throws -> Response {
        let userID = try Self.boundUser(context)
        // One request time for both parts, so the state and the module policy cannot straddle a grace deadline.
        let now = clock.now()
        return JSONResponse.make(
            status: .ok, body: backend.enforcement(userID: userID, at: now), requestID: context.requestID,
            rawMembers: [("module_policy", backend.modulePolicyJSON(userID: userID, at: now))])
    }

    /// Newest first, `limit` (1–1000, default 50) per page; pass `next_before_seq` back as `before_seq` for the
    /// next (older) page. Each carries `initiated_by` and `balance_after`.
    @Sendable func transactions(_ request: Request, context: Context) async throws -> Response {
        let userID = try Self.boundUser(context)
        let parameters = HistoryParameters(request: request)
        try parameters.allowOnly(["limit", "before_seq"])
        let query = TransactionQuery(
            userID: userID, limit: try parameters.limit(default: TransactionQuery.limitDefault, max: 1000),
            beforeSeq: try parameters.seq("before_seq"))
        return JSONResponse.make(status: .ok, body: try await history.transactions(query), requestID: context.requestID)
    }

    static func boundUser(_ context: Context) throws(APIError) -> String {
        let principal = try context.requirePrincipal()
        // The key store refuses user keys without a user; this holds by construction.
        guard let userID = principal.userID else { throw APIError.forbiddenRole(principal.role, allowed: [.user]) }
        return userID
    }
}
