import TollgateBilling
import TollgateEngine

/// The payment event reads of the engine, under its state lock like every other read.
extension EngineService {
    public func paymentEventsJSON(deadOnly: Bool, limit: Int) -> JSONValue {
        read { state in state.paymentEventsJSON(deadOnly: deadOnly, limit: limit) }
    }

    public func hasPaymentEvent(eventID: String) -> Bool {
        read { state in state.paymentEvent(eventID: eventID) != nil }
    }

    public func paymentEventsDueForRetry(now: Timestamp, intervalMilliseconds: Int64) -> [String] {
        read { state in
            state.paymentEventsDueForRetry(
                now: now, intervalMilliseconds: intervalMilliseconds, countMax: WebhookConfiguration.retryBatchCountMax)
        }
    }
}
