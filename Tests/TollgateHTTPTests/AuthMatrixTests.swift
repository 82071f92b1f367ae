import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import TollgateHTTP

/// Every keyed route against no key, an unknown key and each role it does not accept.
@Suite struct AuthMatrixTests {
    struct RouteCase: Sendable, CustomTestStringConvertible {
        var method: HTTPRequest.Method
        var path: String
        var role: Role
        var body: String?

        var testDescription: String { "\(method) \(path)" }
    }

    static let routes: [RouteCase] = [
        .init(method: .post, path: "/api/v1/debits", role: .service, body: #"{"user_id":"bob","amount":"1"}"#),
        .init(
            method: .post, path: "/api/v1/entitlements/consume", role: .service,
            body: #"{"user_id":"bob","entitlement_key":"x"}"#),
        .init(method: .get, path: "/api/v1/users/me/balance", role: .user),
        .init(method: .get, path: "/api/v1/users/me/enforcement", role: .user),
        .init(method: .get, path: "/api/v1/users/me/transactions", role: .user),
        .init(method: .get, path: "/api/v1/admin/audit?initiated_by=root", role: .admin),
        .init(method: .get, path: "/api/v1/admin/usage/summary?bucket=day", role: .admin),
        .init(method: .get, path: "/api/v1/admin/users/bob/statement?month=2026-03", role: .admin),
        .init(method: .get, path: "/api/v1/admin/accounting/journal?date=2026-03-01", role: .admin),
        .init(
            method: .post, path: "/api/v1/admin/users/bob/credits", role: .admin,
            body: #"{"amount":"1","reason":"test"}"#),
        .init(method: .post, path: "/api/v1/admin/users/bob/refunds", role: .admin, body: #"{"debit_seq":1}"#),
        .init(method: .get, path: "/api/v1/admin/users/bob/state", role: .admin),
        .init(method: .put, path: "/api/v1/admin/users/bob/subscription", role: .admin, body: #"{"plan_id":"p"}"#),
        .init(method: .put, path: "/api/v1/admin/users/bob/overrides/x", role: .admin, body: #"{"value":1}"#),
        .init(method: .delete, path: "/api/v1/admin/users/bob/overrides/x", role: .admin),
        .init(method: .post, path: "/api/v1/admin/users/bob/suspend", role: .admin),
        .init(method: .post, path: "/api/v1/admin/users/bob/reinstate", role: .admin),
        .init(method: .patch, path: "/api/v1/admin/users/bob/limits", role: .admin, body: #"{"daily_cap":"1"}"#),
        .init(method: .get, path: "/api/v1/admin/settings", role: .admin),
        .init(method: .patch, path: "/api/v1/admin/settings", role: .admin, body: #"{"enforcement_enabled":true}"#),
        .init(method: .delete, path: "/api/v1/admin/settings", role: .admin),
        .init(method: .delete, path: "/api/v1/admin/settings/enforcement", role: .admin),
        .init(method: .get, path: "/api/subscription/enforcement", role: .user),
        .init(method: .get, path: "/api/v1/admin/enforcement/readiness", role: .admin),
        .init(method: .put, path: "/api/v1/admin/flags/daily_cap", role: .admin, body: #"{"value":"5"}"#),
        .init(method: .delete, path: "/api/v1/admin/flags/daily_cap", role: .admin),
        .init(method: .put, path: "/api/v1/admin/plans/p", role: .admin, body: #"{"entitlements":{"x":1}}"#),
        .init(method: .get, path: "/api/v1/admin/webhooks?dead=true", role: .admin),
        .init(method: .post, path: "/api/v1/admin/webhooks/evt_1/replay", role: .admin),
    ]

    @Test(arguments: routes)
    func missingKeyIs401(route: RouteCase) async throws {
        let server = try TestServer()
        try await server.test { client in
            let reply = try await client.call(route.method, route.path, json: route.body)
            #expect(reply.status == .unauthorized)
            #expect(reply.string("code") == "unauthorized")
            #expect(server.engine.read { $0.recordCount } == 0)
        }
    }

    @Test(arguments: routes)
    func unknownKeyIs401(route: RouteCase) async throws {
        let server = try TestServer()
        try await server.test { client in
            let forged = APIKeyStore.mint(role: route.role, userID: route.role == .service ? nil : "bob").key
            let bearer = try await client.call(route.method, route.path, key: forged, json: route.body)
            #expect(bearer.status == .unauthorized)
            let header = try await client.call(
                route.method, route.path, json: route.body, headers: [.apiKey: forged])
            #expect(header.status == .unauthorized)
            let malformed = try await client.call(
                route.method, route.path, json: route.body, headers: [.authorization: "Basic Ym9iOmJvYg=="])
            #expect(malformed.status == .unauthorized)
            #expect(server.engine.read { $0.recordCount } == 0)
        }
    }

    @Test(arguments: routes)
    func otherRolesAre403(route: RouteCase) async throws {
        let server = try TestServer()
        try await server.test { client in
            for role in Role.allCases where role != route.role {
                let reply = try await client.call(
                    route.method, route.path, key: server.key(for: role), json: route.body)
                #expect(reply.status == .forbidden, "\(role) on \(route.testDescription)")
                #expect(reply.string("code") == "forbidden")
            }
            #expect(server.engine.read { $0.recordCount } == 0)
        }
    }

    @Test(arguments: routes)
    func theRightRoleGetsThrough(route: RouteCase) async throws {
        let server = try TestServer()
        try await server.test { client in
            let reply = try await client.call(
                route.method, route.path, key: server.key(for: route.role), json: route.body)
            #expect(![.unauthorized, .forbidden].contains(reply.status) || reply.string("code") != "forbidden")
            #expect(reply.status.code < 500, "\(reply.text)")
        }
    }

    @Test func keyIsAcceptedFromXAPIKeyHeader() async throws {
        let server = try TestServer()
        try await server.test { client in
            let reply = try await client.call(.get, "/api/v1/users/me/balance", headers: [.apiKey: server.bobKey])
            #expect(reply.status == .ok)
            #expect(reply.string("user_id") == "bob")
        }
    }
}
