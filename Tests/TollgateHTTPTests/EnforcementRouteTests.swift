import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import TollgateBilling
import TollgateEngine

@testable import TollgateHTTP

/// `GET /api/enforcement/policy` (per user with a user key, global without) and `GET /api/subscription/enforcement`:
/// each state, evaluated at the request time from the injected clock, as `tollgate state --at` evaluates it.
@Suite struct EnforcementRouteTests {
    static let start = Timestamp(rfc3339: "2026-03-01T00:00:00Z")!

    static func at(hours: Int64) -> Timestamp { start.adding(milliseconds: hours * Timestamp.millisecondsPerHour) }

    /// Decides command lines (with their own `at`) through the engine, as `apply` would.
    static func apply(_ server: TestServer, _ lines: [String]) async throws {
        for line in lines {
            let command = try CommandParser.parse(Array(line.utf8)).get()
            let result = try await server.engine.submit(command)
            #expect(result["status"] == .string("applied"), "\(result.rendered)")
        }
    }

    /// bob on plan `small`: projects.max 10 (warn 80 %, hard 100 %, overage buffer 10 %, 48 h grace), seats 100.
    static let planLines = [
        #"{"op":"define_plan","plan_id":"small","entitlements":{"projects.max":10,"seats":100},"thresholds":{"overage_buffer_pct":10},"module_rules":{"apiTraces":{"samplingRate":10},"businessConfig":{"freezePublishing":true}},"initiated_by":"root","at":"2026-03-01T00:00:00Z"}"#,
        #"{"op":"subscribe","user_id":"bob","plan_id":"small","initiated_by":"root","at":"2026-03-01T00:00:00Z"}"#,
    ]

    static func consume(_ quantity: Int, hours: Int) -> String {
        "{\"op\":\"consume\",\"user_id\":\"bob\",\"entitlement_key\":\"projects.max\",\"quantity\":\(quantity),"
            + "\"at\":\"2026-03-01T\(hours < 10 ? "0" : "")\(hours):00:00Z\"}"
    }

    static func metric(_ reply: JSONReply) -> [String: Any]? {
        (reply["triggeredMetrics"] as? [[String: Any]])?.first
    }

    @Test func activeUserHasNothingTriggeredAndAnEmptyPolicy() async throws {
        let server = try TestServer()
        try await server.test(clock: ManualClock(Self.at(hours: 1)).clock) { client in
            try await Self.apply(server, Self.planLines)
            let policy = try await client.call(.get, "/api/enforcement/policy", key: server.bobKey)
            #expect(policy.status == .ok, "\(policy.text)")
            #expect(policy.string("userId") == "bob")
            #expect(policy.string("state") == "ACTIVE")
            #expect((policy["effectivePolicy"] as? [String: Any])?.isEmpty == true)
            #expect(policy["graceEndsAt"] is NSNull)
            #expect((policy["triggeredMetrics"] as? [Any])?.isEmpty == true)
            #expect(policy.string("evaluatedAt") == "2026-03-01T01:00:00.000Z")
            let banner = try await client.call(.get, "/api/subscription/enforcement", key: server.bobKey)
            #expect(banner.string("state") == "ACTIVE", "\(banner.text)")
            #expect(banner.string("planId") == "small")
            #expect((banner["banner"] as? [String: Any])?["level"] as? String == "none")
            #expect((banner["activeDegradations"] as? [String: Any])?.isEmpty == true)
        }
    }

    @Test func warnReportsTheTriggeredMetric() async throws {
        let server = try TestServer()
        try await server.test(clock: ManualClock(Self.at(hours: 2)).clock) { client in
            try await Self.apply(server, Self.planLines + [Self.consume(8, hours: 1)])
            let policy = try await client.call(.get, "/api/enforcement/policy", key: server.bobKey)
            #expect(policy.string("state") == "WARN", "\(policy.text)")
            let metric = try #require(Self.metric(policy), "\(policy.text)")
            #expect(metric["entitlementKey"] as? String == "projects.max")
            #expect(metric["usageKey"] as? String == "projects.created")
            #expect(metric["usage"] as? Int == 8)
            #expect(metric["limit"] as? Int == 10)
            #expect(metric["usagePct"] as? Int == 80)
            #expect(metric["threshold"] as? String == "WARN")
            #expect(metric["thresholdPct"] as? Int == 80)
            #expect((policy["triggeredMetrics"] as? [Any])?.count == 1)  // seats is at 0 %
            #expect((policy["effectivePolicy"] as? [String: Any])?.isEmpty == true)
            let banner = try await client.call(.get, "/api/subscription/enforcement", key: server.bobKey)
            #expect(banner.string("state") == "WARN")
            let level = (banner["banner"] as? [String: Any])?["level"] as? String
            #expect(level == "info")
            #expect(Self.metric(banner)?["threshold"] as? String == "WARN")
            #expect(banner["graceRemainingSeconds"] is NSNull)
        }
    }

    @Test func graceCountsDownAndStaleGraceIsDegradedAtRequestTime() async throws {
        let server = try TestServer()
        let time = ManualClock(Self.at(hours: 4))
        try await server.test(clock: time.clock) { client in
            // Usage 11 of 10 (110 % = hard 100 % + buffer 10 %) from 03:00: grace ends 48 h later.
            try await Self.apply(server, Self.planLines + [Self.consume(8, hours: 1), Self.consume(3, hours: 3)])
            let grace = try await client.call(.get, "/api/subscription/enforcement", key: server.bobKey)
            #expect(grace.string("state") == "GRACE", "\(grace.text)")
            #expect(grace.string("graceStartedAt") == "2026-03-01T03:00:00.000Z")
            #expect(grace.string("graceEndsAt") == "2026-03-03T03:00:00.000Z")
            #expect(grace.int("graceRemainingSeconds") == 47 * 3600)
            #expect((grace["banner"] as? [String: Any])?["level"] as? String == "warning")
            #expect(Self.metric(grace)?["threshold"] as? String == "OVERAGE")
            #expect(Self.metric(grace)?["thresholdPct"] as? Int == 110)
            let gracePolicy = try await client.call(.get, "/api/enforcement/policy", key: server.bobKey)
            #expect(gracePolicy.string("graceEndsAt") == "2026-03-03T03:00:00.000Z")
            #expect((gracePolicy["effectivePolicy"] as? [String: Any])?.isEmpty == true)

            // No record since: the folded state still says GRACE, the request time says DEGRADED.
            time.advance(milliseconds: 60 * Timestamp.millisecondsPerHour)
            let recordsBefore = server.engine.read { $0.recordCount }
            let policy = try await client.call(.get, "/api/enforcement/policy", key: server.bobKey)
            #expect(policy.string("state") == "DEGRADED", "\(policy.text)")
            let rules = try #require(policy["effectivePolicy"] as? [String: Any], "\(policy.text)")
            #expect((rules["apiTraces"] as? [String: Any])?["samplingRate"] as? Int == 10)
            #expect((rules["businessConfig"] as? [String: Any])?["freezePublishing"] as? Bool == true)
            let now = time.clock.now()
            let stateView = server.engine.read { $0.enforcementJSON(userID: "bob", at: now) }
            #expect(stateView["state"] == .string("DEGRADED"))
            #expect(stateView["grace_ends_at"] == .string(policy.string("graceEndsAt") ?? ""))
            let banner = try await client.call(.get, "/api/subscription/enforcement", key: server.bobKey)
            #expect(banner.string("state") == "DEGRADED")
            #expect((banner["banner"] as? [String: Any])?["level"] as? String == "critical")
            #expect(banner["graceRemainingSeconds"] is NSNull)
            let degradations = try #require(banner["activeDegradations"] as? [String: Any])
            #expect(degradations["apiTraces"] != nil)
            // Reading never appends (evaluation is not a record).
            #expect(server.engine.read { $0.recordCount } == recordsBefore)
        }
    }

    /// `/users/me/enforcement` (state and module policy) and the admin's user state are evaluated at the router's
    /// injected clock, like the SDK routes — not at the wall clock (which is long past this grace period).
    @Test func userEnforcementAndAdminStateUseTheInjectedClock() async throws {
        let server = try TestServer()
        let time = ManualClock(Self.at(hours: 4))
        try await server.test(clock: time.clock) { client in
            try await Self.apply(server, Self.planLines + [Self.consume(8, hours: 1), Self.consume(3, hours: 3)])
            let grace = try await client.call(.get, "/api/v1/users/me/enforcement", key: server.bobKey)
            #expect(grace.string("state") == "GRACE", "\(grace.text)")
            #expect(grace.string("grace_ends_at") == "2026-03-03T03:00:00.000Z", "\(grace.text)")
            #expect((grace["module_policy"] as? [String: Any])?.isEmpty == true, "\(grace.text)")
            let graceState = try await client.call(.get, "/api/v1/admin/users/bob/state", key: server.adminKey)
            #expect(graceState.string("state") == "GRACE", "\(graceState.text)")

            time.advance(milliseconds: 60 * Timestamp.millisecondsPerHour)
            let degraded = try await client.call(.get, "/api/v1/users/me/enforcement", key: server.bobKey)
            #expect(degraded.string("state") == "DEGRADED", "\(degraded.text)")
            let rules = try #require(degraded["module_policy"] as? [String: Any], "\(degraded.text)")
            #expect((rules["apiTraces"] as? [String: Any])?["samplingRate"] as? Int == 10)
            let degradedState = try await client.call(.get, "/api/v1/admin/users/bob/state", key: server.adminKey)
            #expect(degradedState.string("state") == "DEGRADED", "\(degradedState.text)")
        }
    }

    @Test func suspendedUserIsSuspendedWithAnEmptyPolicy() async throws {
        let server = try TestServer()
        try await server.test(clock: ManualClock(Self.at(hours: 80)).clock) { client in
            try await Self.apply(
                server,
                Self.planLines + [
                    Self.consume(11, hours: 3),
                    #"{"op":"suspend","user_id":"bob","initiated_by":"root","at":"2026-03-02T00:00:00Z"}"#,
                ])
            let policy = try await client.call(.get, "/api/enforcement/policy", key: server.bobKey)
            #expect(policy.string("state") == "SUSPENDED", "\(policy.text)")
            #expect((policy["effectivePolicy"] as? [String: Any])?.isEmpty == true)
            let banner = try await client.call(.get, "/api/subscription/enforcement", key: server.bobKey)
            #expect(banner.string("state") == "SUSPENDED")
            #expect((banner["banner"] as? [String: Any])?["level"] as? String == "critical")
        }
    }

    @Test func policyWithoutAUserKeyIsTheGlobalPolicy() async throws {
        let server = try TestServer()
        try await server.test { client in
            let anonymous = try await client.call(.get, "/api/enforcement/policy")
            #expect(anonymous.status == .ok)
            #expect(anonymous.bool("enforcement_enabled") == false)
            #expect(anonymous["state"] == nil)
            let admin = try await client.call(.get, "/api/enforcement/policy", key: server.adminKey)
            #expect(admin.status == .ok)
            #expect(admin.bool("enforcement_enabled") == false)
            let forged = APIKeyStore.mint(role: .user, userID: "bob").key
            let unknown = try await client.call(.get, "/api/enforcement/policy", key: forged)
            #expect(unknown.status == .unauthorized)
            #expect(unknown.string("code") == "unauthorized")
            let carol = try await client.call(.get, "/api/enforcement/policy", key: server.carolKey)
            #expect(carol.string("userId") == "carol")
            #expect(carol.string("state") == "ACTIVE")
        }
    }

    @Test func deleteSettingsEnforcementClearsTheOverride() async throws {
        let server = try TestServer()
        try await server.test { client in
            let on = try await client.call(
                .patch, "/api/v1/admin/settings", key: server.adminKey, json: #"{"enforcement_enabled":true}"#)
            #expect(on.status == .ok, "\(on.text)")
            #expect(on.string("enforcement_source") == "override")
            #expect(on.bool("enforcement_enabled") == true)
            let rollback = try await client.call(.delete, "/api/v1/admin/settings/enforcement", key: server.adminKey)
            #expect(rollback.status == .ok, "\(rollback.text)")
            #expect(rollback.string("status") == "applied")
            #expect(rollback.string("enforcement_source") == "config")
            #expect(rollback.bool("enforcement_enabled") == false)
            let settings = try await client.call(.get, "/api/v1/admin/settings", key: server.adminKey)
            #expect(settings.string("enforcement_source") == "config")
            let audit = try await client.call(
                .get, "/api/v1/admin/audit?initiated_by=\(TestServer.adminName)", key: server.adminKey)
            #expect(audit.text.contains("clear_flag"), "\(audit.text)")
        }
    }

    @Test func readinessRouteReportsTheGates() async throws {
        let server = try TestServer()
        try await server.test(clock: ManualClock(Self.at(hours: 24)).clock) { client in
            try await Self.apply(
                server,
                [
                    #"{"op":"grant","user_id":"bob","amount":"5","source":"purchase","initiated_by":"psp","at":"2026-03-01T00:00:00Z"}"#,
                    #"{"op":"debit","user_id":"bob","amount":"1","at":"2026-03-01T01:00:00Z"}"#,
                ])
            let reply = try await client.call(.get, "/api/v1/admin/enforcement/readiness", key: server.adminKey)
            #expect(reply.status == .ok, "\(reply.text)")
            #expect(reply.string("at") == "2026-03-02T00:00:00.000Z")  // the request time
            #expect(reply.bool("ready") == false)
            let gates = try #require(reply["gates"] as? [[String: Any]], "\(reply.text)")
            #expect(gates.map { $0["name"] as? String } == [
                "active_users", "billing_events", "warn_only_observation", "purchase", "whatif_enforcement",
            ])
            #expect(gates[0]["value"] as? Int == 1)
            #expect(gates[3]["pass"] as? Bool == true)
            let earlier = try await client.call(
                .get, "/api/v1/admin/enforcement/readiness?at=2026-03-01T00:30:00Z", key: server.adminKey)
            #expect((earlier["gates"] as? [[String: Any]])?[0]["value"] as? Int == 0)  // the debit is later
            let bad = try await client.call(
                .get, "/api/v1/admin/enforcement/readiness?at=yesterday", key: server.adminKey)
            #expect(bad.status == .unprocessableContent)
            #expect(bad.string("field") == "at")
        }
    }

    /// The thresholds of `tollgate readiness` as query parameters: each changes its gate's requirement and verdict;
    /// a bad one is 422 naming it, and nothing else is accepted.
    @Test func readinessThresholdsAreQueryParameters() async throws {
        let server = try TestServer()
        try await server.test(clock: ManualClock(Self.at(hours: 24)).clock) { client in
            try await Self.apply(
                server,
                [
                    #"{"op":"grant","user_id":"bob","amount":"5","source":"purchase","initiated_by":"psp","at":"2026-03-01T00:00:00Z"}"#,
                    #"{"op":"debit","user_id":"bob","amount":"1","at":"2026-03-01T01:00:00Z"}"#,
                ])
            let loose = try await client.call(
                .get,
                "/api/v1/admin/enforcement/readiness?min_active_users=1&min_events_per_day=0&min_consecutive_days=1"
                    + "&min_observation_days=1&min_purchases=1&max_rejected_pct=0",
                key: server.adminKey)
            #expect(loose.status == .ok, "\(loose.text)")
            #expect(loose.bool("ready") == true, "\(loose.text)")
            let strict = try await client.call(
                .get, "/api/v1/admin/enforcement/readiness?min_purchases=2&min_active_users=2", key: server.adminKey)
            let gates = try #require(strict["gates"] as? [[String: Any]], "\(strict.text)")
            #expect(gates[0]["pass"] as? Bool == false)
            #expect((gates[0]["required"] as? String)?.hasPrefix(">= 2 users") == true, "\(strict.text)")
            #expect(gates[3]["pass"] as? Bool == false)
            #expect((gates[3]["required"] as? String)?.hasPrefix(">= 2 applied") == true, "\(strict.text)")
            for (query, field) in [
                ("min_purchases=-1", "min_purchases"), ("max_rejected_pct=abc", "max_rejected_pct"),
                ("min_consecutive_days=366", "min_consecutive_days"), ("min_events_per_day=", "min_events_per_day"),
                ("minimum=1", "minimum"),
            ] {
                let bad = try await client.call(
                    .get, "/api/v1/admin/enforcement/readiness?\(query)", key: server.adminKey)
                #expect(bad.status == .unprocessableContent, "\(query): \(bad.text)")
                #expect(bad.string("field") == field, "\(query): \(bad.text)")
            }
        }
    }
}
