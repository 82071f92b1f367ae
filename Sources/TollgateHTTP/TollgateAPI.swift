import HTTPTypes
import Hummingbird
import HummingbirdCore
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
        assemble(
            backend: backend, history: history, keys: keys, configuration: configuration, metrics: metrics,
            clock: clock
        ).router
    }

    /// The router and the pieces of it the debit fast path shares (the same instances: one charge limiter, one
    /// set of metrics).
    struct Assembly {
        var router: Router<Context>
        var correlation: CorrelationMiddleware
        var serviceRoutes: ServiceRoutes

        func debitFastPath(
            backend: any BillingBackend, keys: APIKeyRing, serverName: String?, logger: Logger
        ) -> DebitFastPath {
            DebitFastPath(
                keys: keys, correlation: correlation, serviceRoutes: serviceRoutes, backend: backend,
                serverName: serverName, logger: logger)
        }
    }

    static func assemble(
        backend: any BillingBackend, history: LogHistory, keys: APIKeyRing, configuration: HTTPConfiguration,
        metrics: TollgateMetrics, clock: Clock
    ) -> Assembly {
        let router = Router(context: Context.self)
        let correlation = CorrelationMiddleware(bodySizeBytesMax: configuration.bodySizeBytesMax, metrics: metrics)
        router.add(middleware: correlation)
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
        let serviceRoutes = ServiceRoutes(writePath: writePath, chargeLimiter: chargeLimiter, metrics: metrics)
        PublicRoutes(backend: backend, metrics: metrics).add(to: router)
        WebhookRoutes(writePath: writePath, configuration: configuration.webhooks).add(to: router)
        EnforcementRoutes(backend: backend, keys: keys, clock: clock).add(to: router)
        router.addRoutes(serviceRoutes.collection(keys: keys), atPath: "api/v1")
        router.addRoutes(
            UserRoutes(backend: backend, history: history, clock: clock).collection(keys: keys), atPath: "api/v1/users")
        router.addRoutes(
            AdminRoutes(backend: backend, writePath: writePath, history: history, clock: clock).collection(keys: keys),
            atPath: "api/v1/admin")
        return Assembly(router: router, correlation: correlation, serviceRoutes: serviceRoutes)
    }

    /// The service: the server first, the engine after it, so on SIGTERM/SIGINT the server stops taking
    /// requests and finishes those in flight, then the engine drains its queue, makes it durable and closes the
    /// log (Hummingbird stops services in reverse order).
    public static func application(
        engine: EngineService, dataDirectory: String, keys: APIKeyRing, configuration: HTTPConfiguration,
        logger: Logger, metrics: TollgateMetrics = TollgateMetrics(), services: [any Service] = []
    ) -> some ApplicationProtocol {
        application(
            backend: engine, dataDirectory: dataDirectory, keys: keys, configuration: configuration, logger: logger,
            metrics: metrics,
            services: [EngineShutdownService(engine: engine, logger: logger)] + services
                + webhookServices(engine: engine, configuration: configuration.webhooks, logger: logger))
    }

    /// The application over any backend (tests: a wrapped engine); `services` run before the server stops.
    /// `onFastPath` hands tests the fast path (nil when it is off), to count what it took.
    static func application(
        backend: any BillingBackend, dataDirectory: String, keys: APIKeyRing, configuration: HTTPConfiguration,
        logger: Logger, metrics: TollgateMetrics, services: [any Service], clock: Clock = .system,
        onFastPath: (DebitFastPath?) -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let serverName = "tollgate"
        let assembly = assemble(
            backend: backend, history: LogHistory(directory: dataDirectory), keys: keys,
            configuration: configuration, metrics: metrics, clock: clock)
        var server = HTTPServerBuilder.http1()
        var fastPath: DebitFastPath?
        if configuration.debitFastPath {
            let shared = assembly.debitFastPath(backend: backend, keys: keys, serverName: serverName, logger: logger)
            // The front takes a connection's plain debits before NIO's codec; the post-codec handler keeps the
            // debits of a connection the front has handed on (docs/http-api.md, "The debit fast path").
            let channel = HTTP1Channel.Configuration(
                additionalChannelHandlers: [DebitFastPathHandler(fastPath: shared)])
            server = HTTPServerBuilder { responder in
                DebitFastPathChannel(
                    inner: HTTP1Channel(responder: responder, configuration: channel), fastPath: shared)
            }
            fastPath = shared
        }
        onFastPath(fastPath)
        return Application(
            router: assembly.router, server: server,
            configuration: ApplicationConfiguration(
                address: .hostname(configuration.host, port: configuration.port), serverName: serverName),
            services: services, logger: logger)
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
