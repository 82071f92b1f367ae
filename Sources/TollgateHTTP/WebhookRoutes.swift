import HTTPTypes
import Hummingbird
import TollgateBilling

/// `POST /api/v1/webhooks/payments`: authenticated by the provider's signature, not by an API key.
///
/// Order: body (size, JSON) → signature and freshness (400, nothing stored) → event shape (400) → the engine,
/// which stores the event before it applies it and answers `duplicate` for an event id it already has. The raw
/// body is never logged or stored; only the event id and type reach the log line.
struct WebhookRoutes {
    typealias Context = TollgateRequestContext

    let writePath: WritePath
    let configuration: WebhookConfiguration

    func add(to router: Router<Context>) {
        router.post("api/v1/webhooks/payments", use: payments)
    }

    @Sendable func payments(_ request: Request, context: Context) async throws -> Response {
        guard let signature = configuration.signature else { throw APIError.webhooksNotConfigured() }
        let body = try await request.jsonBody(context: context)
        try signature.verify(
            header: request.headers[WebhookSignature.headerName], payload: body, now: configuration.clock.now())
        switch try PaymentEventPayload.parse(body) {
        case .ignored(let eventID, let type):
            context.log(.debug, "payment event ignored", ["event_id": "\(eventID)", "event_type": "\(type)"])
            return JSONResponse.make(
                status: .ok,
                body: .object([
                    ("status", .string("ignored")), ("event_id", .string(eventID)), ("event_type", .string(type)),
                    ("message", .string("Event type not handled; nothing stored.")),
                ]),
                requestID: context.requestID)
        case .event(let event):
            context.log(.debug, "payment event", ["event_id": "\(event.eventID)", "event_type": "\(event.kind.name)"])
            return try await writePath.submit(.paymentEvent(Command.PaymentDelivery(event: event)), context: context)
        }
    }
}
