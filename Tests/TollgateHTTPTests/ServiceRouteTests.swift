import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import TollgateHTTP

/// `POST /api/v1/debits` and `POST /api/v1/entitlements/consume`: every decision code and its status.
@Suite struct ServiceRouteTests {
    static func grant(_ client: some TestClientProtocol, _ server: TestServer, user: String, amount: String)
        async throws
    {
        let reply = try await client.call(
            .post, "/api/v1/admin/users/\(user)/credits", key: server.adminKey,
            json: "{\"amount\":\"\(amount)\",\"reason\":\"test\"}")
        #expect(reply.status == .ok, "\(reply.text)")
    }

    @Test func debitIsChargedAndDurable() async throws {
        let server = try TestServer()
        try await server.test { client in
            try await Self.grant(client, server, user: "bob", amount: "10")
            let reply = try await client.call(
                .post, "/api/v1/debits", key: server.serviceKey,
                json: #"{"user_id":"bob","amount":"2.5","session_id":"s1","request_id":"r1"}"#)
            #expect(reply.status == .ok, "\(reply.text)")
            #expect(reply.string("status") == "applied")
            #expect(reply.int("seq") == 2)
            #expect(reply.string("code") == "ok")
            #expect(reply.string("charged") == "2.500")
            #expect(reply.string("balance_after") == "7.500")
            #expect(reply.headers[.requestID] != nil)
        }
    }

    @Test func idempotencyKeyHeaderGivesDuplicateThenConflict() async throws {
        let server = try TestServer()
        try await server.test { client in
            try await Self.grant(client, server, user: "bob", amount: "10")
            let headers: HTTPFields = [.idempotencyKey: "pay-1"]
            let first = try await client.call(
                .post, "/api/v1/debits", key: server.serviceKey, json: #"{"user_id":"bob","amount":"1"}"#,
                headers: headers)
            #expect(first.string("status") == "applied")
            let again = try await client.call(
                .post, "/api/v1/debits", key: server.serviceKey, json: #"{"user_id":"bob","amount":"1"}"#,
                headers: headers)
            #expect(again.status == .ok)
            #expect(again.string("status") == "duplicate")
            #expect(again.int("seq") == first.int("seq"))
            #expect(again.string("balance_after") == "9.000")
            let conflict = try await client.call(
                .post, "/api/v1/debits", key: server.serviceKey, json: #"{"user_id":"bob","amount":"2"}"#,
                headers: headers)
            #expect(conflict.status == .conflict)
            #expect(conflict.string("code") == "idempotency_conflict")
            #expect(conflict.string("status") == "rejected")
            #expect(conflict.int("seq") != nil, "a rejection is appended and carries its seq")
            let both = try await client.call(
                .post, "/api/v1/debits", key: server.serviceKey,
                json: #"{"user_id":"bob","amount":"1","idempotency_key":"pay-1"}"#, headers: headers)
            #expect(both.status == .unprocessableContent)
            #expect(both.string("field") == "idempotency_key")
        }
    }

    @Test func insufficientCreditsIs402WithTheExactMessage() async throws {
        let server = try TestServer(enforcement: true)
        try await server.test { client in
            let reply = try await client.call(
                .post, "/api/v1/debits", key: server.serviceKey, json: #"{"user_id":"bob","amount":"1"}"#)
            #expect(reply.status == .paymentRequired)
            #expect(reply.string("code") == "insufficient_credits")
            #expect(reply.string("message") == "Insufficient credits. Please top up your account.")
            #expect(reply.string("correlation_id") != nil)
        }
    }

    @Test func warnOnlyWhenEnforcementIsOff() async throws {
        let server = try TestServer(enforcement: false)
        try await server.test { client in
            let reply = try await client.call(
                .post, "/api/v1/debits", key: server.serviceKey, json: #"{"user_id":"bob","amount":"1"}"#)
            #expect(reply.status == .ok)
            #expect(reply.bool("warned") == true)
            #expect(reply.string("balance_after") == "-1.000")
        }
    }

    @Test func capsAre422And429() async throws {
        let server = try TestServer()
        try await server.test { client in
            try await Self.grant(client, server, user: "bob", amount: "1000")
            let tooBig = try await client.call(
                .post, "/api/v1/debits", key: server.serviceKey, json: #"{"user_id":"bob","amount":"51"}"#)
            #expect(tooBig.status == .unprocessableContent)
            #expect(tooBig.string("code") == "request_cap_exceeded")
            let limits = try await client.call(
                .patch, "/api/v1/admin/users/bob/limits", key: server.adminKey, json: #"{"daily_cap":"3"}"#)
            #expect(limits.status == .ok, "\(limits.text)")
            let first = try await client.call(
                .post, "/api/v1/debits", key: server.serviceKey, json: #"{"user_id":"bob","amount":"2"}"#)
            #expect(first.status == .ok)
            let daily = try await client.call(
                .post, "/api/v1/debits", key: server.serviceKey, json: #"{"user_id":"bob","amount":"2"}"#)
            #expect(daily.status == .tooManyRequests)
            #expect(daily.string("code") == "daily_cap_exceeded")
        }
    }

    @Test func suspendedAccountIs403() async throws {
        let server = try TestServer()
        try await server.test { client in
            try await Self.grant(client, server, user: "bob", amount: "10")
            let suspend = try await client.call(
                .post, "/api/v1/admin/users/bob/suspend", key: server.adminKey, json: #"{"reason":"fraud"}"#)
            #expect(suspend.status == .ok, "\(suspend.text)")
            let debit = try await client.call(
                .post, "/api/v1/debits", key: server.serviceKey, json: #"{"user_id":"bob","amount":"1"}"#)
            #expect(debit.status == .forbidden)
            #expect(debit.string("code") == "account_suspended")
            let consume = try await client.call(
                .post, "/api/v1/entitlements/consume", key: server.serviceKey,
                json: #"{"user_id":"bob","entitlement_key":"projects.max"}"#)
            #expect(consume.status == .forbidden)
            #expect(consume.string("code") == "account_suspended")
        }
    }

    @Test func consumeWithinLimitThenQuotaExceeded() async throws {
        let server = try TestServer()
        try await server.test { client in
            let plan = try await client.call(
                .put, "/api/v1/admin/plans/pro", key: server.adminKey,
                json: #"{"entitlements":{"projects.max":2},"enforcement_enabled":true}"#)
            #expect(plan.status == .ok, "\(plan.text)")
            let subscribe = try await client.call(
                .put, "/api/v1/admin/users/bob/subscription", key: server.adminKey, json: #"{"plan_id":"pro"}"#)
            #expect(subscribe.status == .ok, "\(subscribe.text)")
            let first = try await client.call(
                .post, "/api/v1/entitlements/consume", key: server.serviceKey,
                json: #"{"user_id":"bob","entitlement_key":"projects.max","quantity":2}"#)
            #expect(first.status == .ok, "\(first.text)")
            #expect(first.string("mode") == "within_limit")
            #expect(first.int("usage_after") == 2)
            let over = try await client.call(
                .post, "/api/v1/entitlements/consume", key: server.serviceKey,
                json: #"{"user_id":"bob","entitlement_key":"projects.max"}"#)
            #expect(over.status == .forbidden)
            #expect(over.string("code") == "quota_exceeded")
            #expect(over.string("message")?.contains("projects.max") == true)
            #expect(over.int("limit") == 2)
        }
    }
}
