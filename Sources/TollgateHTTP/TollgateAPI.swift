import HTTPTypes
import Hummingbird
import Logging
import ServiceLifecycle
import TollgateEngine

/// Assembles the HTTP API: the router with every route group, and the application that serves it.
public enum TollgateAPI {
    public typealias Context = TollgateRequestContext

    /// The full router over any backend (tests wrap the engine to inject failures).
    ///
    /// `clock` is the transport's time: rate-limit windows and the request time at which enforcement state and
    /// module policies are evaluated, on every route that reads them (the engine's clock in production; tests
    /// inject one). The backend itself never reads a clock.
    public static func router(
        backend: any BillingBackend, history: LogHistory, keys: APIKeyRing,
        configuration: HTTPConfiguration = HTTPConfiguration(), metrics: TollgateMetrics = TollgateMetrics(),
        clock: Clock = .system
    ) -> Router<Context> {
        let router = Router(context: Context.self)
        router.add(
            middleware: CorrelationMiddleware(bodySizeBytesMax: configuration.bodySizeBytesMax, metrics: metrics))
        if configuration.purchaseRequestsPerMinute > 0 {
            let limiter = RateLimiter(
                requestsPerWindow: configuration.purchaseRequestsPerMinute,
                trackedKeyCountMax: configuration.rateLimitTrackedKeyCountMax, clock: clock)
            router.add(
                middleware: RateLimitMiddleware(
                    pathPrefix: "/api/v1/webhooks/", limiter: limiter,
                    trustForwardedFor: configuration.trustForwardedFor, metrics: metrics))
        }
        let chargeLimiter =
            configuration.chargeRequestsPerMinute > 0
            ? RateLimiter(
                requestsPerWindow: configuration.chargeRequestsPerMinute,
                trackedKeyCountMax: configuration.rateLimitTrackedKeyCountMax, clock: clock) : nil
        let writePath = WritePath(backend: backend, metrics: metrics)
        PublicRoutes(backend: backend, metrics: metrics).add(to: router)
        WebhookRoutes(writePath: writePath, configuration: configuration.webhooks).add(to: router)
        EnforcementRoutes(backend: backend, keys: keys, clock: clock).add(to: router)
        router.addRoutes(
            ServiceRoutes(writePath: writePath, chargeLimiter: chargeLimiter, metrics: metrics).collection(keys: keys),
            atPath: "api/v1")
        router.addRoutes(
            UserRoutes(backend: backend, history: history, clock: clock).collection(keys: keys), atPath: "api/v1/users")
        router.addRoutes(
            AdminRoutes(backend: backend, writePath: writePath, history: history, clock: clock).collection(keys: keys),
            atPath: "api/v1/admin")
        return router
    }

    /// The service: the server first, the engine after it, so on SIGTERM/SIGINT the server stops taking
    /// requests and finishes those in flight, then the engine drains its queue, makes it durable and closes the
    /// log (Hummingbird stops services in reverse order).
    public static func application(
        engine: EngineService, dataDirectory: String, keys: APIKeyRing, configuration: HTTPConfiguration,
        logger: Logger, metrics: TollgateMetrics = TollgateMetrics(), services: [any Service] = []
    ) -> some ApplicationProtocol {
        Application(
            router: router(
                backend: engine, history: LogHistory(directory: dataDirectory), keys: keys,
                configuration: configuration, metrics: metrics),
            configuration: ApplicationConfiguration(
                address: .hostname(configuration.host, port: configuration.port), serverName: "tollgate"),
            services: [EngineShutdownService(engine: engine, logger: logger)] + services
                + webhookServices(engine: engine, configuration: configuration.webhooks, logger: logger),
            logger: logger)
    }

    /// The automatic payment-event retries, when webhooks are configured (docs/purchases.md).
    static func webhookServices(
        engine: EngineService, configuration: WebhookConfiguration, logger: Logger
    ) -> [any Service] {
        guard configuration.signature != nil else {
            logger.notice("no webhook secret: POST /api/v1/webhooks/payments answers 503")
            return []
        }
        return [WebhookRetryService(backend: engine, configuration: configuration, logger: logger)]
    }
}
