import HTTPTypes
import Hummingbird
import TollgateBilling
import TollgateEngine

/// What client SDKs and dashboards read about enforcement (issue 9), evaluated at the request time.
///
/// `GET /api/enforcement/policy` serves two callers on one path: without a key, the global policy of issue 6
/// (enforcement on/off, default thresholds); with a user key, that user's SDK policy (`state`, `effectivePolicy`,
/// `graceEndsAt`, `triggeredMetrics`). An unknown key is 401 rather than silently public (a misconfigured SDK
/// should learn it); an admin or service key has no user, so it gets the global policy.
/// `GET /api/subscription/enforcement` (user key) is the banner view of the same evaluation.
struct EnforcementRoutes {
    typealias Context = TollgateRequestContext

    let backend: any BillingBackend
    let keys: APIKeyRing
    let clock: Clock

    func add(to router: Router<Context>) {
        router.get("api/enforcement/policy", use: policy)
        let banner = RouteCollection(context: Context.self)
        banner.add(middleware: AuthMiddleware(keys: keys, allowed: [.user]))
        banner.get("enforcement", use: subscriptionEnforcement)
        router.addRoutes(banner, atPath: "api/subscription")
    }

    @Sendable func policy(_ request: Request, context: Context) async throws -> Response {
        guard let key = AuthMiddleware.presentedKey(request.headers) else {
            if request.headers[.authorization] != nil { throw APIError.unknownKey() }
            return JSONResponse.make(status: .ok, body: backend.policy(), requestID: context.requestID)
        }
        guard let principal = keys.current.authenticate(key: key) else { throw APIError.unknownKey() }
        guard principal.role == .user, let userID = principal.userID else {
            return JSONResponse.make(status: .ok, body: backend.policy(), requestID: context.requestID)
        }
        let view = backend.userEnforcement(userID: userID, at: clock.now())
        let body: JSONValue = .object([
            ("userId", .string(view.userID)), ("state", .string(view.state.name)),
            ("evaluatedAt", .string(view.evaluatedAt.rfc3339)),
            ("graceEndsAt", Self.time(view.graceEndsAt)),
            ("triggeredMetrics", .array(view.triggeredMetrics.map(Self.json))),
        ])
        return JSONResponse.make(
            status: .ok, body: body, requestID: context.requestID,
            rawMembers: [("effectivePolicy", view.effectivePolicyJSON)])
    }

    /// The dashboard banner: triggered metrics in WARN, the countdown in GRACE, active degradations in DEGRADED.
    @Sendable func subscriptionEnforcement(_ request: Request, context: Context) async throws -> Response {
        let principal = try context.requirePrincipal()
        guard let userID = principal.userID else { throw APIError.forbiddenRole(principal.role, allowed: [.user]) }
        let view = backend.userEnforcement(userID: userID, at: clock.now())
        var graceRemaining: JSONValue = .null
        if view.state == .grace, let endsAt = view.graceEndsAt {
            // Whole seconds, rounded up, so a banner never shows 0 while grace lasts.
            let remaining = max(0, endsAt.rawValue - view.evaluatedAt.rawValue)
            graceRemaining = .int(remaining / 1000 + (remaining % 1000 == 0 ? 0 : 1))
        }
        let body: JSONValue = .object([
            ("userId", .string(view.userID)), ("state", .string(view.state.name)),
            ("planId", view.planID.map(JSONValue.string) ?? .null),
            ("evaluatedAt", .string(view.evaluatedAt.rfc3339)),
            ("banner", Self.banner(view)),
            ("triggeredMetrics", .array(view.triggeredMetrics.map(Self.json))),
            ("graceStartedAt", Self.time(view.graceStartedAt)), ("graceEndsAt", Self.time(view.graceEndsAt)),
            ("graceRemainingSeconds", graceRemaining),
        ])
        return JSONResponse.make(
            status: .ok, body: body, requestID: context.requestID,
            rawMembers: [("activeDegradations", view.effectivePolicyJSON)])
    }

    /// `{level, message}`: what to show, by state; `level` is none, info, warning or critical.
    static func banner(_ view: UserEnforcement) -> JSONValue {
        let keys = view.triggeredMetrics.map(\.entitlementKey).joined(separator: ", ")
        let (level, message): (String, JSONValue) =
            switch view.state {
            case .active: ("none", .null)
            case .warn: ("info", .string("Usage is approaching the plan limit (\(keys))."))
            case .grace:
                (
                    "warning",
                    .string(
                        "Usage is over the plan limit (\(keys)); features will be degraded when grace ends"
                            + (view.graceEndsAt.map { " at \($0.rfc3339)." } ?? "."))
                )
            case .degraded: ("critical", .string("Features are degraded: usage is over the plan limit (\(keys))."))
            case .suspended: ("critical", .string("The account is suspended."))
            }
        return .object([("level", .string(level)), ("message", message)])
    }

    static func json(_ metric: UserEnforcement.TriggeredMetric) -> JSONValue {
        .object([
            ("entitlementKey", .string(metric.entitlementKey)), ("usageKey", .string(metric.usageKey)),
            ("usage", .int(metric.usage)), ("limit", .int(metric.limit)), ("usagePct", .int(metric.usagePct)),
            ("threshold", .string(metric.level.rawValue)), ("thresholdPct", .int(metric.thresholdPct)),
        ])
    }

    static func time(_ value: Timestamp?) -> JSONValue {
        value.map { .string($0.rfc3339) } ?? .null
    }
}
