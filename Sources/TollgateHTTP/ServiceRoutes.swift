import HTTPTypes
import Hummingbird
import TollgateBilling

/// Routes of the application backend (service keys): debits and entitlement consumption for any user.
struct ServiceRoutes {
    typealias Context = TollgateRequestContext

    let writePath: WritePath
    /// Per debited user (the body's `user_id`): the service key is shared by every user of an application, so
    /// keying on it would let one user's burst starve the others. nil: no limit.
    let chargeLimiter: RateLimiter?
    let metrics: TollgateMetrics

    func collection(keys: APIKeyRing) -> RouteCollection<Context> {
        let routes = RouteCollection(context: Context.self)
        routes.add(middleware: AuthMiddleware(keys: keys, allowed: [.service]))
        routes.post("debits", use: debit)
        routes.post("entitlements/consume", use: consume)
        return routes
    }

    /// `{user_id, amount, session_id?, request_id?}`; the `Idempotency-Key` header becomes `idempotency_key`.
    @Sendable func debit(_ request: Request, context: Context) async throws -> Response {
        let body = try await request.jsonBody(context: context)
        let command = try CommandBody.command(op: "debit", body: body, setting: request.idempotencyMember)
        if case .debit(let debit) = command { try admit(userID: debit.userID) }
        return try await writePath.submit(command, context: context)
    }

    /// `{user_id, entitlement_key, quantity?}`; the `Idempotency-Key` header becomes `idempotency_key`.
    @Sendable func consume(_ request: Request, context: Context) async throws -> Response {
        let body = try await request.jsonBody(context: context)
        let command = try CommandBody.command(op: "consume", body: body, setting: request.idempotencyMember)
        if case .consume(let consume) = command { try admit(userID: consume.userID) }
        return try await writePath.submit(command, context: context)
    }

    /// Counts a charge request of `userID` once its body is a valid command (a malformed body is refused before
    /// and costs the engine nothing); 429 over the limit, before anything is decided or appended. Shared with the
    /// debit fast path, so a debit is counted once whichever path takes it.
    func admit(userID: String) throws(APIError) {
        guard let chargeLimiter, case .limited(let seconds) = chargeLimiter.admit(userID) else { return }
        metrics.recordRateLimited(limit: "charge")
        throw APIError.rateLimited(retryAfterSeconds: seconds, scope: "user")
    }
}
