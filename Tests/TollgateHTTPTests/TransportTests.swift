import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import TollgateBilling

@testable import TollgateHTTP

/// Correlation ids, error bodies, and bad requests: always a 4xx with `{code, message, correlation_id}`,
/// never a 5xx, never an appended record.
@Suite struct TransportTests {
    @Test func requestIDIsEchoedOrGenerated() async throws {
        let server = try TestServer()
        try await server.test { client in
            let echoed = try await client.call(.get, "/healthz", headers: [.requestID: "req-123"])
            #expect(echoed.status == .ok)
            #expect(echoed.headers[.requestID] == "req-123")
            let generated = try await client.call(.get, "/healthz")
            #expect(generated.headers[.requestID]?.count == 32)
            let replaced = try await client.call(.get, "/healthz", headers: [.requestID: "bad id with spaces"])
            #expect(replaced.headers[.requestID] != "bad id with spaces")
        }
    }

    /// Generated ids: the process prefix then the counter, 16 lowercase hex digits each, one apart.
    @Test func generatedRequestIDsArePrefixAndCounterInHex() {
        let first = CorrelationMiddleware.newRequestID()
        let second = CorrelationMiddleware.newRequestID()
        for id in [first, second] {
            #expect(id.utf8.count == 32)
            #expect(id.hasPrefix(CorrelationMiddleware.processPrefix))
            #expect(id.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }, "\(id)")
        }
        let firstCount = UInt64(first.dropFirst(16), radix: 16)
        let secondCount = UInt64(second.dropFirst(16), radix: 16)
        #expect(firstCount != nil && secondCount != nil)
        // Other tests may draw ids in between; the counter only grows.
        #expect((secondCount ?? 0) > (firstCount ?? 0))
    }

    @Test func errorsCarryCodeMessageAndCorrelationID() async throws {
        let server = try TestServer()
        try await server.test { client in
            let reply = try await client.call(.get, "/api/v1/nowhere", headers: [.requestID: "trace-1"])
            #expect(reply.status == .notFound)
            #expect(reply.string("code") == "not_found")
            #expect(reply.string("message") != nil)
            #expect(reply.string("correlation_id") == "trace-1")
            #expect(reply.headers[.requestID] == "trace-1")
            #expect(reply.headers[.contentType]?.hasPrefix("application/json") == true)
        }
    }

    static let badBodies: [(String, String?, HTTPResponse.Status, String)] = [
        ("{\"user_id\":\"bob\",", "application/json", .badRequest, "malformed_json"),
        ("[1,2]", "application/json", .badRequest, "malformed_json"),
        ("user_id=bob&amount=1", "application/x-www-form-urlencoded", .unsupportedMediaType, "unsupported_media_type"),
        ("{\"user_id\":\"bob\",\"amount\":\"1\"}", "text/plain", .unsupportedMediaType, "unsupported_media_type"),
        ("{\"user_id\":\"bob\",\"amount\":\"1\"}", nil, .unsupportedMediaType, "unsupported_media_type"),
        ("{\"user_id\":\"bob\",\"amount\":tru}", "application/json", .unprocessableContent, "invalid_request"),
        (
            "{\"user_id\":\"bob\",\"amount\":\"1\",\"amount\":\"2\"}", "application/json", .unprocessableContent,
            "invalid_request"
        ),
        (
            "{\"user_id\":\"bob\",\"amount\":\"1\",\"at\":\"2026-01-01T00:00:00Z\"}", "application/json",
            .unprocessableContent, "invalid_request"
        ),
        (
            "{\"user_id\":\"bob\",\"amount\":\"1\",\"op\":\"grant\"}", "application/json", .unprocessableContent,
            "invalid_request"
        ),
        ("{\"user_id\":\"bob\",\"amount\":\"1.0005\"}", "application/json", .unprocessableContent, "invalid_request"),
        (
            "{\"user_id\":\"bob\",\"amount\":\"1\",\"colour\":\"red\"}", "application/json", .unprocessableContent,
            "invalid_request"
        ),
    ]

    @Test(arguments: badBodies)
    func badBodiesAre4xxAndAppendNothing(
        body: String, contentType: String?, status: HTTPResponse.Status, code: String
    ) async throws {
        let server = try TestServer()
        try await server.test { client in
            var headers: HTTPFields = [.authorization: "Bearer \(server.serviceKey)"]
            if let contentType { headers[.contentType] = contentType }
            let reply = try await client.execute(
                uri: "/api/v1/debits", method: .post, headers: headers, body: ByteBuffer(string: body)
            ) { response in response }
            #expect(reply.status == status, "\(String(buffer: reply.body))")
            #expect(String(buffer: reply.body).contains("\"code\":\"\(code)\""))
            #expect(server.engine.read { $0.recordCount } == 0)
        }
    }

    @Test func oversizedBodyIs413AndAppendsNothing() async throws {
        let server = try TestServer()
        try await server.test(configuration: HTTPConfiguration(bodySizeBytesMax: 256)) { client in
            let padding = String(repeating: "x", count: 300)
            let reply = try await client.call(
                .post, "/api/v1/debits", key: server.serviceKey,
                json: "{\"user_id\":\"bob\",\"amount\":\"1\",\"request_id\":\"\(padding)\"}")
            #expect(reply.status == .contentTooLarge)
            #expect(reply.string("code") == "payload_too_large")
            #expect(server.engine.read { $0.recordCount } == 0)
        }
    }

    @Test func invalidFieldIsNamed() async throws {
        let server = try TestServer()
        try await server.test { client in
            let reply = try await client.call(
                .post, "/api/v1/debits", key: server.serviceKey, json: #"{"user_id":"bob","amount":"-1"}"#)
            #expect(reply.status == .unprocessableContent)
            #expect(reply.string("code") == "invalid_request")
            #expect(reply.string("field") == "amount")
            #expect(reply.string("correlation_id") != nil)
        }
    }
}
