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
