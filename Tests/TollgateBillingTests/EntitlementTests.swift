import Testing

@testable import TollgateBilling

/// SEMANTICS.md, "Entitlements (consume)", `subscribe`, `define_plan` and their edge cases.
@Suite struct EntitlementTests {
    /// Limit resolution: an unexpired override, else the plan's entitlement, else 0; −1 is unlimited.
    @Test func limitResolution() {
        var harness = BillingHarness()
        harness.apply(.plan("p", ["a": 2, "b": -1]))
        harness.apply(.subscribe("u", "p"))
        #expect(
            harness.apply(.consume("u", "a")).rendered
                == #"{"status":"applied","seq":3,"code":"ok","http_status":200,"mode":"within_limit","usage_after":1,"limit":2,"grace_remaining":null,"override_applied":false}"#
        )
        #expect(harness.apply(.consume("u", "b", 1_000_000)).int("limit") == -1)
        #expect(harness.apply(.consume("u", "b", 1_000_000)).mode == "within_limit")
        // Not included: limit 0, warn-only without plan enforcement.
        #expect(harness.apply(.consume("u", "c")).int("limit") == 0)
        #expect(harness.apply(.consume("u", "c")).mode == "warned")
        // An override beats the plan until it expires (expires_at must be > the decision time).
        let now = harness.clock
        harness.apply(.override("u", "a", 10, expires: now.adding(milliseconds: 1000)))
        let overridden = harness.apply(.consume("u", "a", at: now.adding(milliseconds: 999)))
        #expect(overridden.int("limit") == 10)
        #expect(overridden["override_applied"] == .bool(true))
        let expired = harness.apply(.consume("u", "a", at: now.adding(milliseconds: 1000)))
        #expect(expired.int("limit") == 2)
        #expect(expired["override_applied"] == .bool(false))
        #expect(expired.mode == "warned")
        harness.apply(.override("u", "a", -1))
        #expect(harness.apply(.consume("u", "a", 100)).mode == "within_limit")
        harness.apply(.clearOverride("u", "a"))
        #expect(harness.apply(.consume("u", "a")).int("limit") == 2)
        // Without a plan: overrides still resolve.
        harness.apply(.override("nobody", "a", 3))
        #expect(harness.apply(.consume("nobody", "a", 3)).mode == "within_limit")
        #expect(harness.apply(.consume("nobody", "b")).int("limit") == 0)
    }

    /// `entitlementUsage`: resolved as a consume at the same time would be — plan keys in order, an override only
    /// while active (a key outside the plan is listed only then), shared usage keys, a time before the last record
    /// clamped to it.
    @Test func entitlementUsageResolvesLikeConsume() {
        var harness = BillingHarness()
        #expect(harness.state.entitlementUsage(userID: "u", at: harness.clock).isEmpty)
        harness.apply(.plan("p", ["b.max": 5, "a": -1], usageKeys: ["a": "b.created"], enforcement: true, grace: 3))
        harness.apply(.subscribe("u", "p"))
        harness.apply(.consume("u", "b.max", 2))
        let start = harness.clock
        harness.apply(.override("u", "b.max", 9, expires: start.adding(milliseconds: 60_000)))
        harness.apply(.override("u", "z", 4, expires: start.adding(milliseconds: 60_000)))
        let active = harness.state.entitlementUsage(userID: "u", at: start)
        #expect(active.map(\.entitlementKey) == ["a", "b.max", "z"])
        #expect(active.map(\.planLimit) == [-1, 5, 0])
        #expect(active.map(\.effectiveLimit) == [-1, 9, 4])
        #expect(active.map(\.used) == [2, 2, 0])  // "a" reads b.created too
        #expect(active.map(\.overrideApplied) == [false, true, true])
        #expect(active[1].overrideExpiresAt == start.adding(milliseconds: 60_000))
        #expect(active[0].graceRemaining == 3)
        let expired = harness.state.entitlementUsage(userID: "u", at: start.adding(milliseconds: 60_000))
        #expect(expired.map(\.entitlementKey) == ["a", "b.max"])
        #expect(expired[1].effectiveLimit == 5)
        #expect(expired[1].overrideExpiresAt == nil)
        harness.apply(.consume("u", "b.max", 1, at: start.adding(milliseconds: 70_000)))
        // Asking before the last record reads the state at the last record: the overrides have expired.
        #expect(harness.state.entitlementUsage(userID: "u", at: start).map(\.entitlementKey) == ["a", "b.max"])
        // Without a plan: only active overrides, no grace.
        harness.apply(.override("nobody", "x", 1))
        let planless = harness.state.entitlementUsage(userID: "nobody", at: harness.clock)
        #expect(planless == [EntitlementUsage(
            entitlementKey: "x", usageKey: "x", planLimit: 0, used: 0, effectiveLimit: 1, overrideApplied: true)])
    }

    /// Usage key: the plan's usage_keys[key]; else a trailing `.max` becomes `.created`; else the key.
    @Test func usageKeys() {
        var harness = BillingHarness()
        harness.apply(.plan("p", ["projects.max": 10, "seats": 10, "api": 10], usageKeys: ["api": "requests"]))
        harness.apply(.subscribe("u", "p"))
        harness.apply(.consume("u", "projects.max", 2))
        #expect(harness.state.usage(userID: "u", usageKey: "projects.created") == 2)
        #expect(harness.apply(.consume("u", "projects.created", 1)).int("usage_after") == 3)
        harness.apply(.consume("u", "api", 4))
        #expect(harness.state.usage(userID: "u", usageKey: "requests") == 4)
        #expect(harness.state.usage(userID: "u", usageKey: "api") == 0)
        harness.apply(.consume("u", "seats", 5))
        #expect(harness.state.usage(userID: "u", usageKey: "seats") == 5)
        #expect(Plan.defaultUsageKey(for: ".max") == ".created")
        #expect(Plan.defaultUsageKey(for: "a.maximum") == "a.maximum")
        #expect(Plan.defaultUsageKey(for: "max") == "max")
    }

    /// Over the limit: grace with plan enforcement while grace remaining ≥ quantity, then quota_exceeded (403,
    /// naming the key, usage unchanged, with the quota fields); warned without plan enforcement.
    @Test func graceThenQuotaExceeded() {
        var harness = BillingHarness()
        harness.apply(.plan("p", ["a": 2], enforcement: true, grace: 3))
        harness.apply(.subscribe("u", "p"))
        #expect(harness.apply(.consume("u", "a", 2)).int("grace_remaining") == 3)
        let grace = harness.apply(.consume("u", "a", 2))
        #expect(grace.mode == "grace")
        #expect(grace.int("grace_remaining") == 1)
        #expect(grace.int("usage_after") == 4)
        let rejected = harness.apply(.consume("u", "a", 2))
        #expect(
            rejected.rendered
                == #"{"status":"rejected","seq":5,"code":"quota_exceeded","http_status":403,"message":"Quota exceeded for entitlement a.","usage_after":4,"limit":2,"grace_remaining":1,"override_applied":false}"#
        )
        #expect(harness.apply(.consume("u", "a", 1)).mode == "grace")
        #expect(harness.apply(.consume("u", "a", 1)).code == "quota_exceeded")
        #expect(harness.state.usage(userID: "u", usageKey: "a") == 5)
        // Grace also covers a key the plan does not include.
        harness.apply(.plan("q", [:], enforcement: true, grace: 1))
        harness.apply(.subscribe("v", "q"))
        let uncovered = harness.apply(.consume("v", "z"))
        #expect(uncovered.mode == "grace")
        #expect(uncovered.int("limit") == 0)
    }

    /// Suspended users' consumes are rejected (403); the key is checked first.
    @Test func suspendedConsume() {
        var harness = BillingHarness()
        let original = harness.apply(.consume("u", "a", idempotencyKey: "k"))
        harness.apply(.suspend("u"))
        #expect(harness.apply(.consume("u", "a", idempotencyKey: "k")).seq == original.seq)
        let rejected = harness.apply(.consume("u", "a"))
        #expect(rejected.code == "account_suspended")
        #expect(rejected.int("http_status") == 403)
        #expect(harness.apply(.consume("u", "a", 2, idempotencyKey: "k")).code == "idempotency_conflict")
    }

    /// Consume idempotency: payload is (entitlement_key, quantity); a duplicate repeats the fields as they were.
    @Test func consumeIdempotency() {
        var harness = BillingHarness()
        harness.apply(.plan("p", ["a": 5], enforcement: true, grace: 1))
        harness.apply(.subscribe("u", "p"))
        let original = harness.apply(.consume("u", "a", 2, idempotencyKey: "k"))
        harness.apply(.consume("u", "a", 3))
        let duplicate = harness.apply(.consume("u", "a", 2, idempotencyKey: "k"))
        #expect(duplicate.status == "duplicate")
        #expect(duplicate.int("usage_after") == 2)
        #expect(duplicate.seq == original.seq)
        #expect(harness.apply(.consume("u", "b", 2, idempotencyKey: "k")).code == "idempotency_conflict")
        #expect(harness.apply(.consume("u", "a", 1, idempotencyKey: "k")).code == "idempotency_conflict")
        // A rejected consume registers nothing.
        harness.apply(.consume("u", "a", 1))  // grace
        #expect(harness.apply(.consume("u", "a", 1, idempotencyKey: "r")).code == "quota_exceeded")
        harness.apply(.override("u", "a", 100))
        #expect(harness.apply(.consume("u", "a", 1, idempotencyKey: "r")).status == "applied")
    }

    /// subscribe to a different plan resets the user's grace counters; to the same plan keeps them; to an unknown
    /// plan is invalid.
    @Test func subscribeResetsGrace() {
        var harness = BillingHarness()
        harness.apply(.plan("p", ["a": 0], enforcement: true, grace: 2))
        harness.apply(.plan("q", ["a": 0], enforcement: true, grace: 2))
        harness.apply(.subscribe("u", "p"))
        harness.apply(.consume("u", "a", 2))
        #expect(harness.apply(.consume("u", "a")).code == "quota_exceeded")
        harness.apply(.subscribe("u", "p"))
        #expect(harness.apply(.consume("u", "a")).code == "quota_exceeded")
        harness.apply(.subscribe("u", "q"))
        #expect(harness.apply(.consume("u", "a")).int("grace_remaining") == 1)
        let count = harness.log.count
        let invalid = harness.apply(.subscribe("u", "nope"))
        #expect(invalid.status == "invalid")
        #expect(harness.log.count == count)
        #expect(harness.state.planID(ofUser: "u") == "q")
    }

    /// define_plan of an existing plan replaces it for every subscriber; grace counters are kept, and a lower
    /// grace count makes grace_remaining negative.
    @Test func definePlanReplaces() {
        var harness = BillingHarness()
        harness.apply(.plan("p", ["a": 1], enforcement: true, grace: 3))
        harness.apply(.subscribe("u", "p"))
        harness.apply(.subscribe("v", "p"))
        #expect(harness.apply(.consume("u", "a", 3)).mode == "grace")  // 0 + 3 > 1, grace used 3
        harness.apply(.plan("p", ["a": 1], enforcement: true, grace: 1))
        let after = harness.apply(.consume("u", "a", 1))
        #expect(after.code == "quota_exceeded")
        #expect(after.int("grace_remaining") == -2)
        harness.apply(.plan("p", ["a": 100]))
        let relaxed = harness.apply(.consume("v", "a", 50))
        #expect(relaxed.mode == "within_limit")
        #expect(relaxed["grace_remaining"] == .null)
        #expect(harness.apply(.consume("u", "a", 200)).mode == "warned")
    }

    /// Usage counters are never reset (not by subscribe, not by define_plan).
    @Test func usageNeverResets() {
        var harness = BillingHarness()
        harness.apply(.plan("p", ["a": 10]))
        harness.apply(.plan("q", ["a": 10]))
        harness.apply(.subscribe("u", "p"))
        harness.apply(.consume("u", "a", 7))
        harness.apply(.subscribe("u", "q"))
        harness.apply(.plan("q", ["a": 10], thresholds: Thresholds(warnPct: 50)))
        #expect(harness.apply(.consume("u", "a", 3)).int("usage_after") == 10)
    }

    /// Usage saturates instead of overflowing (docs/billing-decisions.md).
    @Test func usageSaturates() {
        var harness = BillingHarness()
        harness.apply(.consume("u", "a", .max))
        #expect(harness.apply(.consume("u", "a", 5)).int("usage_after") == .max)
        #expect(harness.verify().isEmpty)
    }
}
