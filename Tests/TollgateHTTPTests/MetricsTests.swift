import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import TollgateHTTP

@Suite struct MetricsTests {
    @Test func decisionsAndRequestsAreExposed() async throws {
        let server = try TestServer(enforcement: true)
        try await server.test { client in
            let blocked = try await client.call(
                .post, "/api/v1/debits", key: server.serviceKey, json: #"{"user_id":"bob","amount":"1"}"#)
            #expect(blocked.status == .paymentRequired)
            try await ServiceRouteTests.grant(client, server, user: "bob", amount: "5")
            let charged = try await client.call(
                .post, "/api/v1/debits", key: server.serviceKey, json: #"{"user_id":"bob","amount":"1"}"#)
            #expect(charged.status == .ok)
            let text = try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType]?.hasPrefix("text/plain") == true)
                return String(buffer: response.body)
            }
            let lines = text.split(separator: "\n").map(String.init)
            func sample(_ name: String, _ labels: [String]) -> String? {
                lines.first { line in line.hasPrefix(name + "{") && labels.allSatisfy { line.contains($0) } }
            }
            #expect(
                sample("tollgate_decisions_total", [#"op="debit""#, #"status="applied""#])?.hasSuffix(" 1") == true)
            #expect(
                sample(
                    "tollgate_decisions_total",
                    [#"op="debit""#, #"status="rejected""#, #"code="insufficient_credits""#])?
                    .hasSuffix(" 1") == true)
            #expect(sample("tollgate_blocked_total", [#"code="insufficient_credits""#])?.hasSuffix(" 1") == true)
            #expect(sample("tollgate_decisions_total", [#"op="grant""#]) != nil)
            #expect(sample("tollgate_commit_duration_seconds_bucket", [#"op="debit""#]) != nil)
            #expect(
                sample("tollgate_http_request_duration_seconds_count", [#"route="/api/v1/debits""#, #"status="402""#])
                    != nil, "\(text)")
        }
    }

    @Test func warnOnlyDebitsAreCounted() async throws {
        let server = try TestServer(enforcement: false)
        try await server.test { client in
            _ = try await client.call(
                .post, "/api/v1/debits", key: server.serviceKey, json: #"{"user_id":"bob","amount":"1"}"#)
            let text = try await client.execute(uri: "/metrics", method: .get) { String(buffer: $0.body) }
            #expect(text.contains(#"tollgate_warned_total{op="debit"} 1"#), "\(text)")
        }
    }
}
