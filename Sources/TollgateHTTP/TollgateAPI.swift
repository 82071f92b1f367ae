import HTTPTypes
import Hummingbird
import Logging
import ServiceLifecycle
import TollgateEngine

/// Assembles the HTTP API: the router with every route group, and the application that serves it.
public enum TollgateAPI {
    public typealias Context = TollgateRequestContext

    /// The full router over any backend (tests wrap the engine to inject failures).
    public static func router(
        backend: any BillingBackend, history: LogHistory, keys: APIKeyRing,
        configuration: HTTPConfiguration = HTTPConfiguration(), metrics: TollgateMetrics = TollgateMetrics()
    ) -> Router<Context> {
        let router = Router(context: Context.self)
        router.add(
            middleware: CorrelationMiddleware(bodySizeBytesMax: configuration.bodySizeBytesMax, metrics: metrics))
        let writePath = WritePath(backend: backend, metrics: metrics)
        PublicRoutes(backend: backend, metrics: metrics).add(to: router)
        WebhookRoutes(writePath: writePath, configuration: configuration.webhooks).add(to: router)
        router.addRoutes(ServiceRoutes(writePath: writePath).collection(keys: keys), atPath: "api/v1")
        router.addRoutes(
            UserRoutes(backend: backend, history: history).collection(keys: keys), atPath: "api/v1/users")
        router.addRoutes(
            AdminRoutes(backend: backend, writePath: writePath, history: history).collection(keys: keys),
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
