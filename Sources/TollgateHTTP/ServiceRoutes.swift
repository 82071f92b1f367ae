import HTTPTypes
import Hummingbird

/// Routes of the application backend (service keys): debits and entitlement consumption for any user.
struct ServiceRoutes {
    typealias Context = TollgateRequestContext

    let writePath: WritePath

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
        return try await writePath.submit(command, context: context)
    }

    /// `{user_id, entitlement_key, quantity?}`; the `Idempotency-Key` header becomes `idempotency_key`.
    @Sendable func consume(_ request: Request, context: Context) async throws -> Response {
        let body = try await request.jsonBody(context: context)
        let command = try CommandBody.command(op: "consume", body: body, setting: request.idempotencyMember)
        return try await writePath.submit(command, context: context)
    }
}
