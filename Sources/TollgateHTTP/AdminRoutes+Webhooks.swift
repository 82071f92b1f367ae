import HTTPTypes
import Hummingbird
import TollgateBilling

/// Admin views of payment webhooks: the stored events and dead letters, and a replay (one more attempt).
extension AdminRoutes {
    /// `?dead=true|false&limit=1…10000 (1000)`: stored payment events, oldest first.
    @Sendable func webhooks(_ request: Request, context: Context) async throws -> Response {
        let parameters = HistoryParameters(request: request)
        try parameters.allowOnly(["dead", "limit"])
        let limit = try parameters.limit(default: Self.webhookListLimitDefault, max: Self.webhookListLimitMax)
        let deadText = parameters.string("dead") ?? "false"
        guard deadText == "true" || deadText == "false" else {
            throw APIError.invalid(field: "dead", "dead must be true or false, got \"\(deadText)\"")
        }
        return JSONResponse.make(
            status: .ok, body: backend.paymentEventsJSON(deadOnly: deadText == "true", limit: limit),
            requestID: context.requestID)
    }

    static let webhookListLimitDefault = 1000
    static let webhookListLimitMax = 10_000

    /// One more attempt at a pending or dead event, initiated by the admin.
    @Sendable func replayWebhook(_ request: Request, context: Context) async throws -> Response {
        let eventID = try context.parameters.require("event_id")
        guard HistoryParameters.isIdentifier(eventID), backend.hasPaymentEvent(eventID: eventID) else {
            throw APIError.notFound("No payment event \(eventID).")
        }
        let actor = try context.requirePrincipal().actorID
        return try await writePath.submit(
            .retryPaymentEvent(Command.PaymentRetry(eventID: eventID, initiatedBy: actor)), context: context)
    }
}
