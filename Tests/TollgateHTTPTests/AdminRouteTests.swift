import Foundation
import HummingbirdTesting
import Testing

@testable import TollgateHTTP

/// Admin routes: each maps onto its command, records the admin as `initiated_by`, and refuses one in the body.
@Suite struct AdminRouteTests {
    @Test func grantRecordsTheAuthenticatedAdmin() async throws {
        let server = try TestServer()
        try await server.test { client in
            let reply = try await client.call(
                .post, "/api/v1/admin/users/bob/credits", key: server.adminKey,
                json: #"{"amount":"100","reason":"welcome"}"#)
            #expect(reply.status == .ok, "\(reply.text)")
            #expect(reply.string("status") == "applied")
            #expect(reply.string("balance_after") == "100.000")
            let initiatedBy = try await client.call(
                .post, "/api/v1/admin/users/bob/credits", key: server.adminKey,
                json: #"{"amount":"1","reason":"x","initiated_by":"mallory"}"#)
            #expect(initiatedBy.status == .unprocessableContent)
            #expect(initiatedBy.string("field") == "initiated_by")
            let source = try await client.call(
                .post, "/api/v1/admin/users/bob/credits", key: server.adminKey,
                json: #"{"amount":"1","reason":"x","source":"purchase"}"#)
            #expect(source.status == .unprocessableContent)
            #expect(source.string("field") == "source")
        }
    }

    @Test(arguments: [#"{"amount":"5"}"#, #"{"amount":"5","reason":""}"#, #"{"amount":"5","reason":"  "}"#])
    func grantNeedsAReason(body: String) async throws {
        let server = try TestServer()
        try await server.test { client in
            let reply = try await client.call(
                .post, "/api/v1/admin/users/bob/credits", key: server.adminKey, json: body)
            #expect(reply.status == .unprocessableContent, "\(reply.text)")
            #expect(reply.string("field") == "reason")
            #expect(server.engine.read { $0.recordCount } == 0)
        }
    }

    @Test(arguments: ["0", "-1", "10000.001", "1e9"])
    func grantAmountBounds(amount: String) async throws {
        let server = try TestServer()
        try await server.test { client in
            let reply = try await client.call(
                .post, "/api/v1/admin/users/bob/credits", key: server.adminKey,
                json: "{\"amount\":\"\(amount)\",\"reason\":\"test\"}")
            #expect(reply.status == .unprocessableContent, "\(reply.text)")
            #expect(reply.string("code") == "invalid_request")
            #expect(server.engine.read { $0.recordCount } == 0)
        }
    }

    @Test func grantOfExactlyTenThousandIsApplied() async throws {
        let server = try TestServer()
        try await server.test { client in
            let reply = try await client.call(
                .post, "/api/v1/admin/users/bob/credits", key: server.adminKey,
                json: #"{"amount":10000,"reason":"test"}"#)
            #expect(reply.status == .ok, "\(reply.text)")
        }
    }

    @Test func refundOfADebit() async throws {
        let server = try TestServer()
        try await server.test { client in
            try await ServiceRouteTests.grant(client, server, user: "bob", amount: "10")
            let debit = try await client.call(
                .post, "/api/v1/debits", key: server.serviceKey, json: #"{"user_id":"bob","amount":"4"}"#)
            let seq = try #require(debit.int("seq"))
            let refund = try await client.call(
                .post, "/api/v1/admin/users/bob/refunds", key: server.adminKey,
                json: "{\"debit_seq\":\(seq),\"amount\":\"1\",\"reason\":\"sorry\"}")
            #expect(refund.status == .ok, "\(refund.text)")
            #expect(refund.string("balance_after") == "7.000")
            let tooMuch = try await client.call(
                .post, "/api/v1/admin/users/bob/refunds", key: server.adminKey,
                json: "{\"debit_seq\":\(seq),\"amount\":\"4\"}")
            #expect(tooMuch.status == .unprocessableContent, "\(tooMuch.text)")
        }
    }

    @Test func settingsOverrideAndClear() async throws {
        let server = try TestServer(enforcement: false)
        try await server.test { client in
            let initial = try await client.call(.get, "/api/v1/admin/settings", key: server.adminKey)
            #expect(initial.status == .ok)
            #expect(initial.bool("enforcement_enabled") == false)
            #expect(initial.string("enforcement_source") == "config")
            let patch = try await client.call(
                .patch, "/api/v1/admin/settings", key: server.adminKey, json: #"{"enforcement_enabled":true}"#)
            #expect(patch.status == .ok, "\(patch.text)")
            #expect(patch.bool("enforcement_enabled") == true)
            #expect(patch.string("enforcement_source") == "override")
            let read = try await client.call(.get, "/api/v1/admin/settings", key: server.adminKey)
            #expect(read.string("enforcement_source") == "override")
            let badValue = try await client.call(
                .patch, "/api/v1/admin/settings", key: server.adminKey, json: #"{"enforcement_enabled":"yes"}"#)
            #expect(badValue.status == .unprocessableContent)
            let extra = try await client.call(
                .patch, "/api/v1/admin/settings", key: server.adminKey,
                json: #"{"enforcement_enabled":true,"x":1}"#)
            #expect(extra.status == .unprocessableContent)
            let clear = try await client.call(.delete, "/api/v1/admin/settings", key: server.adminKey)
            #expect(clear.status == .ok, "\(clear.text)")
            #expect(clear.bool("enforcement_enabled") == false)
            #expect(clear.string("enforcement_source") == "config")
        }
    }

    @Test func flagsSetAndClear() async throws {
        let server = try TestServer()
        try await server.test { client in
            let set = try await client.call(
                .put, "/api/v1/admin/flags/billing_charging_enabled", key: server.adminKey, json: #"{"value":false}"#)
            #expect(set.status == .ok, "\(set.text)")
            let free = try await client.call(
                .post, "/api/v1/debits", key: server.serviceKey, json: #"{"user_id":"bob","amount":"1"}"#)
            #expect(free.string("mode") == "free")
            let clear = try await client.call(
                .delete, "/api/v1/admin/flags/billing_charging_enabled", key: server.adminKey)
            #expect(clear.status == .ok, "\(clear.text)")
            let unknown = try await client.call(
                .put, "/api/v1/admin/flags/no_such_flag", key: server.adminKey, json: #"{"value":true}"#)
            #expect(unknown.status == .unprocessableContent)
            let wrongType = try await client.call(
                .put, "/api/v1/admin/flags/billing_rollout_percentage", key: server.adminKey,
                json: #"{"value":101}"#)
            #expect(wrongType.status == .unprocessableContent)
        }
    }

    @Test func planSubscriptionOverridesAndState() async throws {
        let server = try TestServer()
        try await server.test { client in
            let plan = try await client.call(
                .put, "/api/v1/admin/plans/basic", key: server.adminKey,
                json: #"{"entitlements":{"projects.max":1},"thresholds":{"warn_pct":50}}"#)
            #expect(plan.status == .ok, "\(plan.text)")
            let unknownPlan = try await client.call(
                .put, "/api/v1/admin/users/bob/subscription", key: server.adminKey, json: #"{"plan_id":"gold"}"#)
            #expect(unknownPlan.status == .unprocessableContent)
            let subscribe = try await client.call(
                .put, "/api/v1/admin/users/bob/subscription", key: server.adminKey, json: #"{"plan_id":"basic"}"#)
            #expect(subscribe.status == .ok, "\(subscribe.text)")
            let override = try await client.call(
                .put, "/api/v1/admin/users/bob/overrides/projects.max", key: server.adminKey,
                json: #"{"value":5,"expires_at":"2999-01-01T00:00:00Z"}"#)
            #expect(override.status == .ok, "\(override.text)")
            let consume = try await client.call(
                .post, "/api/v1/entitlements/consume", key: server.serviceKey,
                json: #"{"user_id":"bob","entitlement_key":"projects.max","quantity":3}"#)
            #expect(consume.status == .ok, "\(consume.text)")
            #expect(consume.bool("override_applied") == true)
            let clear = try await client.call(
                .delete, "/api/v1/admin/users/bob/overrides/projects.max", key: server.adminKey)
            #expect(clear.status == .ok, "\(clear.text)")
            let state = try await client.call(.get, "/api/v1/admin/users/bob/state", key: server.adminKey)
            #expect(state.status == .ok, "\(state.text)")
            #expect(state.string("user_id") == "bob")
            #expect(state.string("plan_id") == "basic")
            #expect(state.string("state") != nil)
        }
    }

    @Test func suspendAndReinstate() async throws {
        let server = try TestServer()
        try await server.test { client in
            let suspend = try await client.call(.post, "/api/v1/admin/users/bob/suspend", key: server.adminKey)
            #expect(suspend.status == .ok, "\(suspend.text)")
            let state = try await client.call(.get, "/api/v1/admin/users/bob/state", key: server.adminKey)
            #expect(state.bool("suspended") == true)
            #expect(state.string("state") == "SUSPENDED")
            let reinstate = try await client.call(
                .post, "/api/v1/admin/users/bob/reinstate", key: server.adminKey, json: #"{"reason":"appeal"}"#)
            #expect(reinstate.status == .ok, "\(reinstate.text)")
            let after = try await client.call(.get, "/api/v1/admin/users/bob/state", key: server.adminKey)
            #expect(after.bool("suspended") == false)
        }
    }

    @Test func userLimitsPatch() async throws {
        let server = try TestServer()
        try await server.test { client in
            let set = try await client.call(
                .patch, "/api/v1/admin/users/bob/limits", key: server.adminKey,
                json: #"{"single_request_cap":"1","session_cap":null}"#)
            #expect(set.status == .ok, "\(set.text)")
            try await ServiceRouteTests.grant(client, server, user: "bob", amount: "10")
            let debit = try await client.call(
                .post, "/api/v1/debits", key: server.serviceKey, json: #"{"user_id":"bob","amount":"2"}"#)
            #expect(debit.string("code") == "request_cap_exceeded")
            let negative = try await client.call(
                .patch, "/api/v1/admin/users/bob/limits", key: server.adminKey, json: #"{"daily_cap":"-1"}"#)
            #expect(negative.status == .unprocessableContent)
        }
    }

    @Test func badPathIdentifierIs422() async throws {
        let server = try TestServer()
        try await server.test { client in
            let reply = try await client.call(
                .post, "/api/v1/admin/users/bad%20id/credits", key: server.adminKey,
                json: #"{"amount":"1","reason":"test"}"#)
            #expect(reply.status == .unprocessableContent, "\(reply.text)")
            #expect(reply.string("field") == "user_id")
        }
    }
}
