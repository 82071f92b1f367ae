import Foundation
import HummingbirdTesting
import Testing

@testable import TollgateHTTP

/// `GET /api/v1/users/me/…`: a user key reads its own user, never another's.
@Suite struct UserRouteTests {
    @Test func balanceIsTheBoundUsersOwn() async throws {
        let server = try TestServer()
        try await server.test { client in
            try await ServiceRouteTests.grant(client, server, user: "bob", amount: "12.5")
            try await ServiceRouteTests.grant(client, server, user: "carol", amount: "3")
            let bob = try await client.call(.get, "/api/v1/users/me/balance", key: server.bobKey)
            #expect(bob.status == .ok)
            #expect(bob.string("user_id") == "bob")
            #expect(bob.string("balance") == "12.500")
            let carol = try await client.call(.get, "/api/v1/users/me/balance", key: server.carolKey)
            #expect(carol.string("user_id") == "carol")
            #expect(carol.string("balance") == "3.000")
        }
    }

    @Test func unknownUserHasZeroBalance() async throws {
        let server = try TestServer()
        try await server.test { client in
            let reply = try await client.call(.get, "/api/v1/users/me/balance", key: server.bobKey)
            #expect(reply.status == .ok)
            #expect(reply.string("balance") == "0.000")
        }
    }

    @Test func enforcementState() async throws {
        let server = try TestServer()
        try await server.test { client in
            let reply = try await client.call(.get, "/api/v1/users/me/enforcement", key: server.bobKey)
            #expect(reply.status == .ok, "\(reply.text)")
            #expect(reply.string("user_id") == "bob")
            #expect(reply.string("state") == "ACTIVE")
            #expect(reply["grace_started_at"] is NSNull)
        }
    }

    @Test func degradedUserGetsThePlansModulePolicy() async throws {
        let server = try TestServer()
        try await server.test { client in
            let active = try await client.call(.get, "/api/v1/users/me/enforcement", key: server.bobKey)
            #expect((active["module_policy"] as? [String: Any])?.isEmpty == true, "\(active.text)")
            let plan = try await client.call(
                .put, "/api/v1/admin/plans/small", key: server.adminKey,
                json: #"""
                    {"entitlements":{"projects.max":1},"thresholds":{"grace_hours":0},
                     "module_rules":{"apiTraces":{"samplingRate":10},"businessConfig":{"freezePublishing":true}}}
                    """#)
            #expect(plan.status == .ok, "\(plan.text)")
            _ = try await client.call(
                .put, "/api/v1/admin/users/bob/subscription", key: server.adminKey, json: #"{"plan_id":"small"}"#)
            let consume = try await client.call(
                .post, "/api/v1/entitlements/consume", key: server.serviceKey,
                json: #"{"user_id":"bob","entitlement_key":"projects.max","quantity":2}"#)
            #expect(consume.string("mode") == "warned", "\(consume.text)")
            let degraded = try await client.call(.get, "/api/v1/users/me/enforcement", key: server.bobKey)
            #expect(degraded.string("state") == "DEGRADED", "\(degraded.text)")
            let policy = try #require(degraded["module_policy"] as? [String: Any], "\(degraded.text)")
            #expect((policy["apiTraces"] as? [String: Any])?["samplingRate"] as? Int == 10)
        }
    }

    /// Usage per entitlement: every plan entitlement in key order with the plan's limit, the counter and the
    /// limit a consume resolves now (an override wins), plus an overridden key outside the plan.
    @Test func enforcementListsUsagePerEntitlement() async throws {
        let server = try TestServer()
        try await server.test { client in
            let empty = try await client.call(.get, "/api/v1/users/me/enforcement", key: server.bobKey)
            #expect((empty["usage"] as? [Any])?.isEmpty == true, "\(empty.text)")
            let plan = try await client.call(
                .put, "/api/v1/admin/plans/team", key: server.adminKey,
                json: #"""
                    {"entitlements":{"seats":5,"projects.max":10,"exports":-1},
                     "enforcement_enabled":true,"enforcement_grace_count":2}
                    """#)
            #expect(plan.status == .ok, "\(plan.text)")
            _ = try await client.call(
                .put, "/api/v1/admin/users/bob/subscription", key: server.adminKey, json: #"{"plan_id":"team"}"#)
            for (key, quantity) in [("projects.max", 3), ("seats", 1)] {
                let consume = try await client.call(
                    .post, "/api/v1/entitlements/consume", key: server.serviceKey,
                    json: #"{"user_id":"bob","entitlement_key":"\#(key)","quantity":\#(quantity)}"#)
                #expect(consume.string("status") == "applied", "\(consume.text)")
            }
            for (key, value) in [("seats", 20), ("beta", 1)] {
                let override = try await client.call(
                    .put, "/api/v1/admin/users/bob/overrides/\(key)", key: server.adminKey,
                    json: #"{"value":\#(value),"expires_at":"2999-01-01T00:00:00Z"}"#)
                #expect(override.status == .ok, "\(override.text)")
            }
            let reply = try await client.call(.get, "/api/v1/users/me/enforcement", key: server.bobKey)
            #expect(reply.status == .ok, "\(reply.text)")
            let usage = try #require(reply["usage"] as? [[String: Any]], "\(reply.text)")
            #expect(usage.map { $0["entitlement_key"] as? String } == ["beta", "exports", "projects.max", "seats"])
            #expect(usage.map { $0["limit"] as? Int } == [0, -1, 10, 5])
            #expect(usage.map { $0["effective_limit"] as? Int } == [1, -1, 10, 20])
            #expect(usage.map { $0["used"] as? Int } == [0, 0, 3, 1])
            #expect(usage.map { $0["override_applied"] as? Bool } == [true, false, false, true])
            #expect(usage[2]["usage_key"] as? String == "projects.created")
            #expect(usage[3]["override_expires_at"] as? String == "2999-01-01T00:00:00.000Z")
            #expect(usage[2]["override_expires_at"] is NSNull)
            #expect(usage[2]["grace_remaining"] as? Int == 2)
        }
    }

    @Test func aUserKeyCannotReadAnotherUserThroughAdminRoutes() async throws {
        let server = try TestServer()
        try await server.test { client in
            let reply = try await client.call(.get, "/api/v1/admin/users/carol/state", key: server.bobKey)
            #expect(reply.status == .forbidden)
            #expect(reply.string("code") == "forbidden")
        }
    }
}

/// Issue 6: `low_balance` on `/users/me/balance` is balance ≤ `low_balance_threshold` (the debit rule).
@Suite struct LowBalanceRouteTests {
    @Test func lowBalanceFollowsTheThreshold() async throws {
        let server = try TestServer()
        try await server.test { client in
            let empty = try await client.call(.get, "/api/v1/users/me/balance", key: server.bobKey)
            #expect(empty["low_balance"] as? Bool == true, "0 is at the default threshold 0: \(empty.text)")
            try await ServiceRouteTests.grant(client, server, user: "bob", amount: "12.5")
            let funded = try await client.call(.get, "/api/v1/users/me/balance", key: server.bobKey)
            #expect(funded["low_balance"] as? Bool == false, "\(funded.text)")
            let set = try await client.call(
                .put, "/api/v1/admin/flags/low_balance_threshold", key: server.adminKey, json: #"{"value":"20"}"#)
            #expect(set.status == .ok, "\(set.text)")
            let below = try await client.call(.get, "/api/v1/users/me/balance", key: server.bobKey)
            #expect(below["low_balance"] as? Bool == true, "\(below.text)")
        }
    }
}
