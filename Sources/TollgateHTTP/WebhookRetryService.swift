import Logging
import ServiceLifecycle
import TollgateBilling

/// Retries stored payment events that are neither applied nor dead-lettered: every `retryIntervalSeconds`, each
/// pending event whose last attempt is at least that old gets one more attempt (`initiated_by: system`). After
/// the fifth failed attempt the engine marks the event dead and this pass leaves it alone.
///
/// The attempts go through the engine like any command, so their time comes from the engine's clock and every
/// attempt is a log record; this service only decides *when* to ask. ``retryDue()`` is one pass (tests call it).
public struct WebhookRetryService: Service {
    let backend: any BillingBackend
    let configuration: WebhookConfiguration
    let logger: Logger

    public init(backend: any BillingBackend, configuration: WebhookConfiguration, logger: Logger) {
        self.backend = backend
        self.configuration = configuration
        self.logger = logger
    }

    public func run() async throws {
        // Graceful shutdown cancels the sleep; that is a normal end, not a failure of the service group.
        do {
            try await cancelWhenGracefulShutdown {
                while !Task.isCancelled {
                    try await Task.sleep(for: .seconds(configuration.retryIntervalSeconds))
                    _ = await retryDue()
                }
            }
        } catch is CancellationError {
            return
        }
    }

    /// One pass: attempts every due event once (bounded by ``WebhookConfiguration/retryBatchCountMax``) and
    /// returns the results in order.
    @discardableResult
    public func retryDue() async -> [JSONValue] {
        guard backend.writeFailure == nil else { return [] }
        let due = backend.paymentEventsDueForRetry(
            now: configuration.clock.now(), intervalMilliseconds: configuration.retryIntervalSeconds * 1000)
        var results: [JSONValue] = []
        for eventID in due {
            let command = Command.retryPaymentEvent(
                Command.PaymentRetry(eventID: eventID, initiatedBy: Self.initiator))
            do {
                let result = try await backend.submit(command)
                logger.info(
                    "payment event retried",
                    metadata: [
                        "event_id": "\(eventID)", "event_status": "\(result["event_status"]?.rendered ?? "")",
                    ])
                results.append(result)
            } catch {
                logger.error("payment event retry failed", metadata: ["event_id": "\(eventID)", "error": "\(error)"])
                break
            }
        }
        return results
    }

    /// The initiator of automatic retries.
    public static let initiator = "system"
}
