import Foundation
import TollgateBilling

/// The JSON event a payment provider posts, reduced to a ``PaymentEvent``. Stripe's shape:
/// `{"id":"evt_…","type":"…","created":<unix>,"data":{"object":{…}}}` with, per type,
/// - `checkout.session.completed`: `client_reference_id` (or `metadata.user_id`), `amount_total`, `currency`,
///   `payment_intent` (the payment id);
/// - `payment_intent.succeeded`: `metadata.user_id`, `amount_received` (or `amount`), `currency`, `id`;
/// - `charge.refunded`: `payment_intent`, `amount_refunded` (cumulative), `currency`.
///
/// Only these fields are read and kept; the payload itself is never stored or logged. A body that is not such an
/// event is `malformed_event` (400); an event of any other type is acknowledged and ignored.
enum PaymentEventPayload {
    enum Parsed: Equatable {
        case event(PaymentEvent)
        /// A well-formed event of a type Tollgate does not handle (`customer.created`, …).
        case ignored(eventID: String, type: String)
    }

    private struct Envelope: Decodable {
        var id: String
        var type: String
        var created: Int64
        var data: DataMember?
    }

    private struct DataMember: Decodable {
        var object: Object
    }

    private struct Object: Decodable {
        var id: String?
        var client_reference_id: String?
        var metadata: [String: String]?
        var amount: Int64?
        var amount_total: Int64?
        var amount_received: Int64?
        var amount_refunded: Int64?
        var currency: String?
        var payment_intent: String?
    }

    static func parse(_ bytes: [UInt8]) throws(APIError) -> Parsed {
        let envelope: Envelope
        do {
            envelope = try JSONDecoder().decode(Envelope.self, from: Data(bytes))
        } catch {
            throw APIError.malformedEvent(
                "The body is not a payment event: it needs string `id` and `type`, integer `created`, and "
                    + "`data.object` with the fields of its type.")
        }
        guard HistoryParameters.isIdentifier(envelope.id) else {
            throw APIError.malformedEvent("The event `id` must be 1–128 bytes of [A-Za-z0-9._:@-].")
        }
        guard let kind = PaymentEvent.Kind(name: envelope.type) else {
            return .ignored(eventID: envelope.id, type: envelope.type)
        }
        guard let object = envelope.data?.object else { throw APIError.malformedEvent("The event has no data.object.") }
        let userID: String?
        let amountCents: Int64?
        let paymentID: String?
        switch kind {
        case .checkoutSessionCompleted:
            userID = object.client_reference_id ?? object.metadata?["user_id"]
            amountCents = object.amount_total
            paymentID = object.payment_intent
        case .paymentIntentSucceeded:
            userID = object.metadata?["user_id"]
            amountCents = object.amount_received ?? object.amount
            paymentID = object.id
        case .chargeRefunded:
            userID = nil
            amountCents = object.amount_refunded
            paymentID = object.payment_intent
        }
        if kind.isPurchase {
            guard let userID, HistoryParameters.isIdentifier(userID) else {
                throw APIError.malformedEvent(
                    "A \(kind.name) event needs a user id of [A-Za-z0-9._:@-] (1–128 bytes).")
            }
        }
        guard let amountCents, amountCents >= 0 else {
            throw APIError.malformedEvent("A \(kind.name) event needs a non-negative integer amount in cents.")
        }
        guard let paymentID, HistoryParameters.isIdentifier(paymentID) else {
            throw APIError.malformedEvent("A \(kind.name) event needs a payment id (payment intent).")
        }
        guard let currency = object.currency?.lowercased(), HistoryParameters.isIdentifier(currency) else {
            throw APIError.malformedEvent("A \(kind.name) event needs a currency.")
        }
        return .event(
            PaymentEvent(
                eventID: envelope.id, kind: kind, createdUnixSeconds: envelope.created, userID: userID,
                amountCents: amountCents, currency: currency, paymentID: paymentID))
    }
}
