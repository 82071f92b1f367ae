import HTTPTypes
import Hummingbird

/// Routes without a key: liveness, readiness, metrics and the OpenAPI document (the public enforcement policy is
/// in ``EnforcementRoutes``, which shares its path with the per-user SDK policy).
struct PublicRoutes {
    typealias Context = TollgateRequestContext

    let backend: any BillingBackend
    let metrics: TollgateMetrics

    func add(to router: Router<Context>) {
        router.get("healthz", use: healthz)
        router.get("readyz", use: readyz)
        router.get("openapi.yaml", use: openAPI)
        router.get("metrics", use: prometheus)
    }

    /// Prometheus text exposition of ``TollgateMetrics``.
    @Sendable func prometheus(_ request: Request, context: Context) async throws -> Response {
        Response(
            status: .ok,
            headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8", .requestID: context.requestID],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: metrics.exposition())))
    }

    /// The OpenAPI 3.1 document of every route.
    @Sendable func openAPI(_ request: Request, context: Context) async throws -> Response {
        Response(
            status: .ok, headers: [.contentType: "application/yaml; charset=utf-8", .requestID: context.requestID],
            body: ResponseBody(byteBuffer: ByteBuffer(string: OpenAPIDocument.yaml)))
    }

    /// The process serves requests.
    @Sendable func healthz(_ request: Request, context: Context) async throws -> Response {
        JSONResponse.make(status: .ok, body: .object([("status", .string("ok"))]), requestID: context.requestID)
    }

    /// The log is open and writable; 503 once it has failed (reads keep working, writes do not).
    @Sendable func readyz(_ request: Request, context: Context) async throws -> Response {
        if let failure = backend.writeFailure { throw APIError.unavailable(WritePath.failureMessage(failure)) }
        return JSONResponse.make(
            status: .ok, body: .object([("status", .string("ready"))]), requestID: context.requestID)
    }
}
