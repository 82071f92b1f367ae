import HummingbirdTesting
import Testing
import TollgateBilling
import TollgateEngine

@testable import TollgateHTTP

@Suite struct PublicRouteTests {
    @Test func healthAndReadiness() async throws {
        let server = try TestServer()
        try await server.test { client in
            let health = try await client.call(.get, "/healthz")
            #expect(health.status == .ok)
            #expect(health.string("status") == "ok")
            let ready = try await client.call(.get, "/readyz")
            #expect(ready.status == .ok)
            #expect(ready.string("status") == "ready")
        }
    }

    @Test func policyFollowsTheEnforcementSetting() async throws {
        let server = try TestServer(enforcement: true)
        try await server.test { client in
            let policy = try await client.call(.get, "/api/enforcement/policy")
            #expect(policy.status == .ok, "\(policy.text)")
            #expect(policy.bool("enforcement_enabled") == true)
            let thresholds = try #require(policy["default_thresholds"] as? [String: Any])
            #expect(thresholds["grace_hours"] as? Int == 48)
            _ = try await client.call(
                .patch, "/api/v1/admin/settings", key: server.adminKey, json: #"{"enforcement_enabled":false}"#)
            let after = try await client.call(.get, "/api/enforcement/policy")
            #expect(after.bool("enforcement_enabled") == false)
        }
    }
}

/// A log failure: `/readyz` and every write route answer 503 with a clear body; reads keep working.
@Suite struct LogFailureTests {
    /// The engine, with its log reported failed.
    struct FailedBackend: BillingBackend {
        let engine: EngineService
        var writeFailure: String? { "append of 1 records failed: No space left on device" }
        func submit(_ command: Command) async throws -> JSONValue {
            Issue.record("a failed backend must not be asked to submit")
            throw CancellationError()
        }
        func balance(userID: String) -> JSONValue { engine.balance(userID: userID) }
        func enforcement(userID: String, at time: Timestamp) -> JSONValue {
            engine.enforcement(userID: userID, at: time)
        }
        func modulePolicyJSON(userID: String, at time: Timestamp) -> String {
            engine.modulePolicyJSON(userID: userID, at: time)
        }
        func settings() -> JSONValue { engine.settings() }
        func userState(userID: String, at time: Timestamp) -> JSONValue { engine.userState(userID: userID, at: time) }
        func policy() -> JSONValue { engine.policy() }
        func userEnforcement(userID: String, at time: Timestamp) -> UserEnforcement {
            engine.userEnforcement(userID: userID, at: time)
        }
    }

    @Test func writesAre503AndReadsWork() async throws {
        let server = try TestServer()
        let backend = FailedBackend(engine: server.engine)
        try await server.test(backend: backend) { client in
            let ready = try await client.call(.get, "/readyz")
            #expect(ready.status == .serviceUnavailable)
            #expect(ready.string("code") == "service_unavailable")
            #expect(ready.string("message")?.contains("No space left on device") == true)
            let debit = try await client.call(
                .post, "/api/v1/debits", key: server.serviceKey, json: #"{"user_id":"bob","amount":"1"}"#)
            #expect(debit.status == .serviceUnavailable)
            let grant = try await client.call(
                .post, "/api/v1/admin/users/bob/credits", key: server.adminKey, json: #"{"amount":"1","reason":"test"}"#
            )
            #expect(grant.status == .serviceUnavailable)
            let balance = try await client.call(.get, "/api/v1/users/me/balance", key: server.bobKey)
            #expect(balance.status == .ok)
            let settings = try await client.call(.get, "/api/v1/admin/settings", key: server.adminKey)
            #expect(settings.status == .ok)
            let health = try await client.call(.get, "/healthz")
            #expect(health.status == .ok)
        }
    }
}
