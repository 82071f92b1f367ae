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

    @Test func aUserKeyCannotReadAnotherUserThroughAdminRoutes() async throws {
        let server = try TestServer()
        try await server.test { client in
            let reply = try await client.call(.get, "/api/v1/admin/users/carol/state", key: server.bobKey)
            #expect(reply.status == .forbidden)
            #expect(reply.string("code") == "forbidden")
        }
    }
}
