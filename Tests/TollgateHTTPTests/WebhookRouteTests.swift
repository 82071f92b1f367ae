import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import Testing
import TollgateBilling
import TollgateEngine

@testable import TollgateHTTP

/// `POST /api/v1/webhooks/payments` with the signed fixtures of `Fixtures/webhooks/` (see its README), and the
/// admin webhook routes: valid, bad signature, stale timestamp, redelivery, unknown user → dead letter → replay,
/// cash refund; then replay verification and a reopen of the log.
@Suite struct WebhookRouteTests {
    static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path + "/Fixtures/webhooks"
    }()

    static func fixture(_ name: String) throws -> String {
        try String(contentsOfFile: root + "/" + name, encoding: .utf8)
    }

    static var secret: [UInt8] { get throws { Array(try fixture("secret.txt").utf8) } }

    /// The fixtures' signing time, t=1764000000.
    static let signedAtSeconds: Int64 = 1_764_000_000

    /// `signatures.txt`: file name → header made by OpenSSL.
    static func signatures() throws -> [String: String] {
        var headers: [String: String] = [:]
        for line in try fixture("signatures.txt").split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: " ", maxSplits: 1)
            headers[String(parts[0])] = String(parts[1])
        }
        return headers
    }

    static func configuration(secondsAfterSigning: Int64 = 10) throws -> HTTPConfiguration {
        var configuration = HTTPConfiguration()
        let now = Timestamp(millisecondsSinceEpoch: (signedAtSeconds + secondsAfterSigning) * 1000)
        configuration.webhooks = WebhookConfiguration(
            signature: WebhookSignature(secret: try secret), clock: Clock { now })
        return configuration
    }

    static func post(
        _ client: some TestClientProtocol, _ name: String, header: String? = nil
    ) async throws -> JSONReply {
        let signature = try header ?? signatures()[name]!
        return try await client.call(
            .post, "/api/v1/webhooks/payments", json: try fixture(name),
            headers: [WebhookSignature.headerName: signature])
    }

    static func grantAlice(_ client: some TestClientProtocol, _ server: TestServer, user: String = "alice") async throws {
        let reply = try await client.call(
            .post, "/api/v1/admin/users/\(user)/credits", key: server.adminKey, json: #"{"amount":"1","reason":"t"}"#)
        #expect(reply.status == .ok, "\(reply.text)")
    }

    @Test func fixtureSignaturesAreWhatWebhookSignatureComputes() throws {
        let signature = WebhookSignature(secret: try Self.secret)
        let headers = try Self.signatures()
        #expect(headers.count == 6)
        for (name, header) in headers {
            let payload = Array(try Self.fixture(name).utf8)
            #expect(signature.header(payload: payload, timestamp: Self.signedAtSeconds) == header, "\(name)")
        }
    }

    @Test func validPurchaseGrantsLinkedCredits() async throws {
        let server = try TestServer()
        try await server.test(configuration: try Self.configuration()) { client in
            try await Self.grantAlice(client, server)
            let reply = try await Self.post(client, "checkout-session-completed.json")
            #expect(reply.status == .ok, "\(reply.text)")
            #expect(reply.string("status") == "applied")
            #expect(reply.string("event_status") == "applied")
            #expect(reply.string("outcome") == "purchase_grant")
            #expect(reply.string("amount") == "19990.000")
            #expect(reply.string("payment_id") == "pi_alice_1")
            #expect(server.engine.read { $0.balance(userID: "alice") } == Millicredits(rawValue: 19_991_000))
            // The payment's second event (payment_intent.succeeded) settles without a second grant.
            let intent = try await Self.post(client, "payment-intent-succeeded.json")
            #expect(intent.status == .ok, "\(intent.text)")
            #expect(intent.string("event_status") == "settled")
            #expect(intent.string("outcome") == "already_credited")
            #expect(server.engine.read { $0.balance(userID: "alice") } == Millicredits(rawValue: 19_991_000))
        }
    }

    /// A purchase through the payment webhook (a `purchase_grant` record, not a grant with source `purchase`)
    /// passes the readiness purchase gate, and only once for its two events.
    @Test func webhookPurchasePassesTheReadinessPurchaseGate() async throws {
        let server = try TestServer()
        try await server.test(configuration: try Self.configuration()) { client in
            let before = try await client.call(.get, "/api/v1/admin/enforcement/readiness", key: server.adminKey)
            #expect((before["gates"] as? [[String: Any]])?[3]["pass"] as? Bool == false, "\(before.text)")
            try await Self.grantAlice(client, server)
            #expect(try await Self.post(client, "checkout-session-completed.json").status == .ok)
            #expect(try await Self.post(client, "payment-intent-succeeded.json").status == .ok)
            let reply = try await client.call(.get, "/api/v1/admin/enforcement/readiness", key: server.adminKey)
            #expect(reply.status == .ok, "\(reply.text)")
            let gates = try #require(reply["gates"] as? [[String: Any]], "\(reply.text)")
            #expect(gates[3]["name"] as? String == "purchase")
            #expect(gates[3]["pass"] as? Bool == true, "\(reply.text)")
            #expect(gates[3]["value"] as? Int == 1, "\(reply.text)")
            let strict = try await client.call(
                .get, "/api/v1/admin/enforcement/readiness?min_purchases=2", key: server.adminKey)
            #expect((strict["gates"] as? [[String: Any]])?[3]["pass"] as? Bool == false, "\(strict.text)")
        }
    }

    @Test func badSignatureIs400AndStoresNothing() async throws {
        let server = try TestServer()
        try await server.test(configuration: try Self.configuration()) { client in
            let good = try Self.signatures()["checkout-session-completed.json"]!
            let wrongSecret = WebhookSignature(secret: Array("whsec_other".utf8)).header(
                payload: Array(try Self.fixture("checkout-session-completed.json").utf8),
                timestamp: Self.signedAtSeconds)
            let tamperedTime = good.replacingOccurrences(of: "t=1764000000", with: "t=1764000001")
            for header in [wrongSecret, tamperedTime, "t=1764000000", "v1=abc", "garbage", ""] {
                let reply = try await Self.post(client, "checkout-session-completed.json", header: header)
                #expect(reply.status == .badRequest, "\(header): \(reply.text)")
                #expect(reply.string("code") == "bad_signature")
            }
            // The right header over a different body.
            let tampered = try await client.call(
                .post, "/api/v1/webhooks/payments",
                json: try Self.fixture("checkout-session-completed.json").replacingOccurrences(
                    of: "1999", with: "9999"),
                headers: [WebhookSignature.headerName: good])
            #expect(tampered.status == .badRequest)
            #expect(tampered.string("code") == "bad_signature")
            #expect(server.engine.read { $0.recordCount } == 0)
        }
    }

    @Test func rotatedSecretsSendSeveralSignatures() async throws {
        let server = try TestServer()
        try await server.test(configuration: try Self.configuration()) { client in
            try await Self.grantAlice(client, server)
            let good = try Self.signatures()["checkout-session-completed.json"]!
            let stale = String(repeating: "0", count: 64)
            let header = good.replacingOccurrences(of: ",v1=", with: ",v1=\(stale),v0=zz,v1=")
            let reply = try await Self.post(client, "checkout-session-completed.json", header: header)
            #expect(reply.status == .ok, "\(reply.text)")
        }
    }

    @Test(arguments: [Int64(301), -301, 3600])
    func staleTimestampIs400(secondsAfterSigning: Int64) async throws {
        let server = try TestServer()
        try await server.test(configuration: try Self.configuration(secondsAfterSigning: secondsAfterSigning)) {
            client in
            let reply = try await Self.post(client, "checkout-session-completed.json")
            #expect(reply.status == .badRequest, "\(reply.text)")
            #expect(reply.string("code") == "stale_timestamp")
            #expect(server.engine.read { $0.recordCount } == 0)
        }
    }

    @Test func timestampAtTheToleranceIsAccepted() async throws {
        let server = try TestServer()
        try await server.test(configuration: try Self.configuration(secondsAfterSigning: 300)) { client in
            let reply = try await Self.post(client, "checkout-session-completed.json")
            #expect(reply.status == .ok, "\(reply.text)")
        }
    }

    @Test func redeliveryIsADuplicateWithOneGrant() async throws {
        let server = try TestServer()
        try await server.test(configuration: try Self.configuration()) { client in
            try await Self.grantAlice(client, server)
            let first = try await Self.post(client, "checkout-session-completed.json")
            let second = try await Self.post(client, "checkout-session-completed.json")
            #expect(second.status == .ok, "\(second.text)")
            #expect(second.string("status") == "duplicate")
            #expect(second.int("seq") == first.int("seq"))
            #expect(server.engine.read { $0.recordCount } == 3)
            #expect(server.engine.read { $0.balance(userID: "alice") } == Millicredits(rawValue: 19_991_000))
        }
    }

    @Test func unknownUserDeadLettersThenReplaysOverHTTP() async throws {
        let server = try TestServer()
        let configuration = try Self.configuration()
        try await server.test(configuration: configuration) { client in
            let first = try await Self.post(client, "checkout-unknown-user.json")
            #expect(first.status == .ok, "\(first.text)")
            #expect(first.string("event_status") == "pending")
            #expect(first.string("outcome") == "unknown_user")
            // Automatic retries: a pass whose clock is past the retry interval attempts every pending event.
            let later = Clock { Timestamp(millisecondsSinceEpoch: Clock.system.now().millisecondsSinceEpoch + 3_600_000) }
            let retries = WebhookRetryService(
                backend: server.engine, configuration: WebhookConfiguration(clock: later),
                logger: Logger(label: "test"))
            for pass in 2...5 {
                let results = await retries.retryDue()
                #expect(results.count == 1, "pass \(pass)")
                #expect(results.first?["attempts"] == .int(Int64(pass)))
            }
            #expect(await retries.retryDue().isEmpty, "a dead letter is not retried automatically")
            let dead = try await client.call(.get, "/api/v1/admin/webhooks?dead=true", key: server.adminKey)
            #expect(dead.status == .ok, "\(dead.text)")
            let events = try #require(dead["events"] as? [[String: Any]])
            #expect(events.count == 1)
            #expect(events.first?["event_id"] as? String == "evt_checkout_zoe_1")
            #expect(events.first?["status"] as? String == "dead")
            #expect(events.first?["last_outcome"] as? String == "unknown_user")

            let missing = try await client.call(
                .post, "/api/v1/admin/webhooks/evt_nope/replay", key: server.adminKey)
            #expect(missing.status == .notFound)
            try await Self.grantAlice(client, server, user: "zoe")
            let replay = try await client.call(
                .post, "/api/v1/admin/webhooks/evt_checkout_zoe_1/replay", key: server.adminKey)
            #expect(replay.status == .ok, "\(replay.text)")
            #expect(replay.string("event_status") == "applied")
            #expect(replay.int("attempts") == 6)
            #expect(server.engine.read { $0.balance(userID: "zoe") } == Millicredits(rawValue: 5_001_000))
            let again = try await client.call(
                .post, "/api/v1/admin/webhooks/evt_checkout_zoe_1/replay", key: server.adminKey)
            #expect(again.status == .unprocessableContent)
            let afterwards = try await client.call(.get, "/api/v1/admin/webhooks?dead=true", key: server.adminKey)
            #expect(afterwards.int("count") == 0)
            let all = try await client.call(.get, "/api/v1/admin/webhooks", key: server.adminKey)
            #expect(all.int("count") == 1)
            #expect(all.bool("truncated") == false)
            let badLimit = try await client.call(.get, "/api/v1/admin/webhooks?limit=0", key: server.adminKey)
            #expect(badLimit.status == .unprocessableContent)
            let badQuery = try await client.call(.get, "/api/v1/admin/webhooks?dead=maybe", key: server.adminKey)
            #expect(badQuery.status == .unprocessableContent)
            // The admin's replay is on the audit trail.
            let audit = try await client.call(
                .get, "/api/v1/admin/audit?initiated_by=\(TestServer.adminName)", key: server.adminKey)
            #expect(audit.text.contains("purchase_grant"), "\(audit.text)")
        }
    }

    @Test func cashRefundRemovesCreditsAndTheLogVerifiesAndReopens() async throws {
        let server = try TestServer()
        let directory = server.directory
        try await server.test(configuration: try Self.configuration()) { client in
            try await Self.grantAlice(client, server)
            _ = try await Self.post(client, "checkout-session-completed.json")
            let refund = try await Self.post(client, "charge-refunded.json")
            #expect(refund.status == .ok, "\(refund.text)")
            #expect(refund.string("outcome") == "cash_refund")
            #expect(refund.int("purchase_seq") == 3)
            #expect(refund.string("amount") == "5000.000")
            #expect(server.engine.read { $0.balance(userID: "alice") } == Millicredits(rawValue: 14_991_000))
            let eur = try await Self.post(client, "checkout-eur.json")
            #expect(eur.string("outcome") == "unsupported_currency")
            let ignored = try await Self.post(client, "customer-created.json")
            #expect(ignored.status == .ok)
            #expect(ignored.string("status") == "ignored")

            let report = Replay.verify(directory: directory, billing: BillingConfiguration(creditEnforcementEnabled: false))
            #expect(report.ok, "\(report.violations)")
            #expect(report.recordCount == 7)
            let reopened = try TestEngine.reopenedState(directory)
            #expect(reopened.paymentEventsJSON().rendered == server.engine.read { $0.paymentEventsJSON().rendered })
            #expect(reopened.balance(userID: "alice") == Millicredits(rawValue: 14_991_000))
            // After a restart the same delivery is still a duplicate.
            let decision = decide(
                .paymentEvent(
                    Command.PaymentDelivery(
                        event: try #require(reopened.paymentEvent(eventID: "evt_refund_alice_1")?.event))),
                in: reopened, seq: 8, time: reopened.lastRecordTime!)
            #expect(decision.records.isEmpty)
            #expect(decision.result["status"] == .string("duplicate"))
        }
    }

    @Test func malformedAndUnconfigured() async throws {
        let server = try TestServer()
        try await server.test(configuration: try Self.configuration()) { client in
            let secret = try Self.secret
            let signature = WebhookSignature(secret: secret)
            for body in [
                #"{"id":"evt_1","type":"checkout.session.completed","created":1}"#,
                #"{"id":"evt_1","type":"checkout.session.completed","created":1,"data":{"object":{"amount_total":5,"currency":"usd","payment_intent":"pi"}}}"#,
                #"{"id":"evt_1","type":"charge.refunded","created":1,"data":{"object":{"amount_refunded":-5,"currency":"usd","payment_intent":"pi"}}}"#,
                #"{"id":"evt 1","type":"charge.refunded","created":1}"#,
                #"{"id":"evt_1","type":"payment_intent.succeeded","created":1,"data":{"object":{"id":"pi","amount_received":19.5,"currency":"usd","metadata":{"user_id":"u"}}}}"#,
                "[1]",
            ] {
                let header = signature.header(payload: Array(body.utf8), timestamp: Self.signedAtSeconds)
                let reply = try await client.call(
                    .post, "/api/v1/webhooks/payments", json: body, headers: [WebhookSignature.headerName: header])
                #expect(reply.status == .badRequest, "\(body): \(reply.text)")
                #expect(reply.string("code") == "malformed_event")
            }
            #expect(server.engine.read { $0.recordCount } == 0)
        }
        let unconfigured = try TestServer()
        try await unconfigured.test { client in
            let reply = try await Self.post(client, "checkout-session-completed.json")
            #expect(reply.status == .serviceUnavailable)
            #expect(reply.string("code") == "webhooks_not_configured")
        }
    }
}
