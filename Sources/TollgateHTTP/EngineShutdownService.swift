import Logging
import ServiceLifecycle
import TollgateEngine

/// Ties the engine to the service group: waits for graceful shutdown, then drains every queued command, makes it
/// durable and closes the log. Registered before the server, so it runs after the server has stopped.
struct EngineShutdownService: Service {
    let engine: EngineService
    let logger: Logger

    func run() async throws {
        // Returns on graceful shutdown; throws on cancellation, where we still close the log.
        try? await gracefulShutdown()
        logger.info("draining the engine and closing the log")
        do {
            try engine.shutdown()
        } catch {
            logger.error("closing the log failed", metadata: ["error": "\(error)"])
            throw error
        }
        logger.info("log closed")
    }
}
