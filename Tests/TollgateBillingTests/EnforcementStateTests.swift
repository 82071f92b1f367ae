import Testing

@testable import TollgateBilling

/// SEMANTICS.md, "Enforcement state (per user, evaluated at a time)" and the `state --at` edge cases.
@Suite struct EnforcementStateTests {
    static let start = testTime("2026-03-01T12:00:00Z")
    static let hour = Timestamp.millisecondsPerHour

    func stateJSON(_ harness: BillingHarness, _ user: String = "u", at: Timestamp) -> String {
        harness.state.enforcementJSON(userID: user, at: at).rendered
    }

    /// ACTIVE → WARN (pct ≥ warn) → GRACE (pct ≥ hard) from the record's time → DEGRADED at exactly
    /// grace_started_at + grace_hours when pct ≥ hard + buffer.
    @Test func lifecycle() {
        var harness = BillingHarness()
        harness.apply(
            .plan(
                "p", ["a": 10], thresholds: Thresholds(warnPct: 80, hardPct: 100, graceHours: 2, overageBufferPct: 20)))
        harness.apply(.subscribe("u", "p"))
        #expect(
            stateJSON(harness, at: Self.start) == #"{"state":"ACTIVE","grace_started_at":null,"grace_ends_at":null}"#)
        harness.apply(.consume("u", "a", 7))
        #expect(harness.state.enforcement(userID: "u", at: Self.start).state == .active)
        harness.apply(.consume("u", "a", 1))  // 80 %
        #expect(harness.state.enforcement(userID: "u", at: Self.start).state == .warn)
        let graceTime = Self.start.adding(milliseconds: 30 * 60_000)
        harness.apply(.consume("u", "a", 2, at: graceTime))  // 100 %
        #expect(
            stateJSON(harness, at: graceTime)
                == #"{"state":"GRACE","grace_started_at":"2026-03-01T12:30:00.000Z","grace_ends_at":"2026-03-01T14:30:00.000Z"}"#
        )
        // pct 100 < hard + buffer 120: still GRACE after the end.
        #expect(
            harness.state.enforcement(userID: "u", at: graceTime.adding(milliseconds: 5 * Self.hour)).state == .grace)
        harness.apply(.consume("u", "a", 2, at: graceTime.adding(milliseconds: Self.hour)))  // 120 %
        // grace_started_at stays at the record where pct first reached hard_pct.
        let end = graceTime.adding(milliseconds: 2 * Self.hour)
        #expect(harness.state.enforcement(userID: "u", at: end.adding(milliseconds: -1)).state == .grace)
        #expect(
            stateJSON(harness, at: end)
                == #"{"state":"DEGRADED","grace_started_at":"2026-03-01T12:30:00.000Z","grace_ends_at":"2026-03-01T14:30:00.000Z"}"#
        )
        // SUSPENDED hides the grace fields.
        harness.apply(.suspend("u", at: end))
        #expect(stateJSON(harness, at: end) == #"{"state":"SUSPENDED","grace_started_at":null,"grace_ends_at":null}"#)
        harness.apply(.reinstate("u", at: end))
        #expect(harness.state.enforcement(userID: "u", at: end).state == .degraded)
        // Transitions: each change with its time and triggering entitlement.
        let transitions = harness.state.enforcementTransitions(userID: "u").map {
            "\($0.from.name)>\($0.to.name)@\($0.seq):\($0.entitlementKey ?? "-")"
        }
        #expect(transitions == ["ACTIVE>WARN@4:a", "WARN>GRACE@5:a", "GRACE>SUSPENDED@7:-", "SUSPENDED>DEGRADED@8:a"])
    }

    /// A record after which pct is below hard_pct clears grace_started_at; a later crossing restarts it.
    @Test func graceClearsAndRestarts() {
        var harness = BillingHarness()
        harness.apply(.plan("p", ["a": 4], thresholds: Thresholds(graceHours: 1)))
        harness.apply(.subscribe("u", "p"))
        harness.apply(.consume("u", "a", 4))
        #expect(harness.state.enforcement(userID: "u", at: Self.start).graceStartedAt == Self.start)
        let later = Self.start.adding(milliseconds: 10 * 60_000)
        harness.apply(.override("u", "a", 100, at: later))
        #expect(stateJSON(harness, at: later) == #"{"state":"ACTIVE","grace_started_at":null,"grace_ends_at":null}"#)
        let evenLater = later.adding(milliseconds: 10 * 60_000)
        harness.apply(.clearOverride("u", "a", at: evenLater))
        #expect(harness.state.enforcement(userID: "u", at: evenLater).graceStartedAt == evenLater)
        #expect(
            harness.state.enforcement(userID: "u", at: evenLater.adding(milliseconds: Self.hour)).state == .degraded)
    }

    /// define_plan of the user's plan concerns all subscribers: their grace start is set/cleared at its time.
    @Test func definePlanConcernsSubscribers() {
        var harness = BillingHarness()
        harness.apply(.plan("p", ["a": 10]))
        harness.apply(.subscribe("u", "p"))
        harness.apply(.subscribe("v", "p"))
        harness.apply(.consume("u", "a", 5))
        harness.apply(.consume("v", "a", 10))
        let redefined = Self.start.adding(milliseconds: Self.hour)
        harness.apply(.plan("p", ["a": 5], at: redefined))
        #expect(harness.state.enforcement(userID: "u", at: redefined).graceStartedAt == redefined)
        #expect(harness.state.enforcement(userID: "v", at: redefined).graceStartedAt == Self.start)
        harness.apply(.plan("p", ["a": 1000], at: redefined))
        #expect(harness.state.enforcement(userID: "u", at: redefined).state == .active)
        #expect(harness.state.enforcement(userID: "v", at: redefined).graceStartedAt == nil)
    }

    /// Rejected records change nothing: a quota_exceeded consume does not start grace.
    @Test func rejectedRecordsChangeNothing() {
        var harness = BillingHarness()
        harness.apply(.plan("p", ["a": 1], enforcement: true, grace: 0))
        harness.apply(.subscribe("u", "p"))
        #expect(harness.apply(.consume("u", "a", 2)).code == "quota_exceeded")
        #expect(harness.state.enforcement(userID: "u", at: Self.start).state == .active)
        #expect(harness.state.enforcementTransitions(userID: "u").isEmpty)
    }

    /// Only entitlements whose resolved limit is finite and > 0 count; overrides are resolved at T.
    @Test func onlyFinitePositiveLimitsCount() {
        var harness = BillingHarness()
        harness.apply(.plan("p", ["zero": 0, "unlimited": -1, "a": 10]))
        harness.apply(.subscribe("u", "p"))
        harness.apply(.consume("u", "zero", 5))
        harness.apply(.consume("u", "unlimited", 500))
        harness.apply(.consume("u", "other", 500))  // not in the plan
        #expect(harness.state.enforcement(userID: "u", at: Self.start).state == .active)
        // An override on a plan key counts at T while unexpired.
        let expiry = Self.start.adding(milliseconds: Self.hour)
        harness.apply(.override("u", "zero", 5, expires: expiry))
        #expect(harness.state.enforcement(userID: "u", at: Self.start).state == .grace)
        #expect(harness.state.enforcement(userID: "u", at: expiry).state == .active)
        // The reverse: pct reaches hard only after the last record (an override expired): GRACE, grace not started.
        harness.apply(.clearOverride("u", "zero"))
        harness.apply(.override("u", "a", 1000, expires: expiry))
        harness.apply(.consume("u", "a", 10))
        #expect(stateJSON(harness, at: expiry) == #"{"state":"GRACE","grace_started_at":null,"grace_ends_at":null}"#)
        harness.apply(.grant("u", "1", at: expiry))  // any record of the user notices it
        #expect(
            stateJSON(harness, at: expiry)
                == #"{"state":"GRACE","grace_started_at":"2026-03-01T13:00:00.000Z","grace_ends_at":"2026-03-03T13:00:00.000Z"}"#
        )
    }

    /// Each "pct ≥ X" is its own test: with hard_pct below warn_pct the state is ACTIVE until warn_pct.
    @Test func thresholdOrderIsFormal() {
        var harness = BillingHarness()
        harness.apply(
            .plan("p", ["a": 10], thresholds: Thresholds(warnPct: 90, hardPct: 50, graceHours: 0, overageBufferPct: 0)))
        harness.apply(.subscribe("u", "p"))
        harness.apply(.consume("u", "a", 5))
        #expect(harness.state.enforcement(userID: "u", at: Self.start).state == .active)
        harness.apply(.consume("u", "a", 4))
        #expect(
            stateJSON(harness, at: Self.start)
                == #"{"state":"DEGRADED","grace_started_at":"2026-03-01T12:00:00.000Z","grace_ends_at":"2026-03-01T12:00:00.000Z"}"#
        )
    }

    /// `state --at T` with T before the last record evaluates at the last record's time; unknown users are
    /// ACTIVE; module rules are served only while DEGRADED.
    @Test func clampAndModuleRules() {
        var harness = BillingHarness()
        harness.apply(
            .plan("p", ["a": 1], thresholds: Thresholds(graceHours: 1), rules: #"{"apiTraces":{"samplingRate":10}}"#))
        harness.apply(.subscribe("u", "p"))
        harness.apply(.consume("u", "a"))
        harness.apply(.grant("x", "1", at: Self.start.adding(milliseconds: 2 * Self.hour)))
        #expect(harness.state.enforcement(userID: "u", at: Self.start).state == .degraded)
        #expect(
            harness.state.effectiveModuleRulesJSON(userID: "u", at: Self.start) == #"{"apiTraces":{"samplingRate":10}}"#
        )
        #expect(harness.state.effectiveModuleRulesJSON(userID: "x", at: Self.start) == "{}")
        #expect(
            stateJSON(harness, "ghost", at: Self.start)
                == #"{"state":"ACTIVE","grace_started_at":null,"grace_ends_at":null}"#)
    }

    /// Time-driven changes are noticed at the user's next record (any applied record of theirs), with the first
    /// key (ascending) that reaches the new state's level.
    @Test func timeDrivenTransitionNoticedAtNextRecord() {
        var harness = BillingHarness()
        harness.apply(
            .plan("p", ["a": 10, "b": 10, "c": 10], thresholds: Thresholds(graceHours: 1, overageBufferPct: 50)))
        harness.apply(.subscribe("u", "p"))
        harness.apply(.consume("u", "c", 15))  // c: 150 %
        harness.apply(.consume("u", "a", 10))  // a: 100 %
        let later = Self.start.adding(milliseconds: 2 * Self.hour)
        #expect(harness.state.enforcement(userID: "u", at: later).state == .degraded)
        #expect(harness.state.enforcementTransitions(userID: "u").last?.to == .grace)
        harness.apply(.grant("u", "1", at: later))
        let last = harness.state.enforcementTransitions(userID: "u").last
        #expect(last?.from == .grace)
        #expect(last?.to == .degraded)
        #expect(last?.at == later)
        #expect(last?.entitlementKey == "c")
        #expect(
            last?.json.rendered
                == #"{"from":"GRACE","to":"DEGRADED","at":"2026-03-01T14:00:00.000Z","seq":5,"entitlement_key":"c"}"#)
        // GRACE was noticed after the consume of "c", the only key at ≥ 100 % then.
        #expect(harness.state.enforcementTransitions(userID: "u").first?.entitlementKey == "c")
    }

    /// Transition history is bounded: the most recent 16 are kept.
    @Test func transitionHistoryIsBounded() {
        var harness = BillingHarness()
        for _ in 0..<20 {
            harness.apply(.suspend("u"))
            harness.apply(.reinstate("u"))
        }
        let transitions = harness.state.enforcementTransitions(userID: "u")
        #expect(transitions.count == EnforcementTransition.historyCountMax)
        #expect(transitions.last?.to == .active)
        #expect(transitions.last?.seq == 40)
    }

    /// The civil formatter behind grace_started_at / grace_ends_at.
    @Test(arguments: [
        "1970-01-01T00:00:00.000Z", "2026-03-01T12:00:00.250Z", "2024-02-29T23:59:59.999Z", "2000-03-01T00:00:00.001Z",
        "1969-12-31T23:59:59.999Z", "0001-01-01T00:00:00.000Z", "9999-12-31T23:59:59.999Z",
    ])
    func civilFormatting(text: String) {
        #expect(testTime(text).civilUTCString() == text)
    }
}
