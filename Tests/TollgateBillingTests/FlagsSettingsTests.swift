import Testing

@testable import TollgateBilling

/// SEMANTICS.md, "Flags (global) and settings", `set_user_limits`, no-ops and time clamping.
@Suite struct FlagsSettingsTests {
    /// Settings report the effective value and its source; `clear_flag` returns to the config.
    @Test(arguments: [false, true])
    func enforcementSettings(config: Bool) {
        var harness = BillingHarness(enforcement: config)
        #expect(
            harness.state.settingsJSON().rendered
                == #"{"enforcement_enabled":\#(config),"enforcement_source":"config"}"#)
        let set = harness.apply(.flag(.creditEnforcementEnabled(!config)))
        #expect(
            set.rendered
                == #"{"status":"applied","seq":1,"code":"ok","http_status":200,"enforcement_enabled":\#(!config),"enforcement_source":"override"}"#
        )
        #expect(
            harness.state.settingsJSON().rendered
                == #"{"enforcement_enabled":\#(!config),"enforcement_source":"override"}"#)
        let same = harness.apply(.flag(.creditEnforcementEnabled(config)))
        #expect(same.string("enforcement_source") == "override")
        let cleared = harness.apply(.clear(.creditEnforcementEnabled))
        #expect(
            cleared.rendered
                == #"{"status":"applied","seq":3,"code":"ok","http_status":200,"enforcement_enabled":\#(config),"enforcement_source":"config"}"#
        )
        // Any other flag's result carries the settings too.
        #expect(harness.apply(.flag(.dailyCap(.zero))).string("enforcement_source") == "config")
    }

    /// No-op `clear_flag` (no runtime value) is applied and appended.
    @Test(arguments: Flag.allCases)
    func clearWithoutValueIsAppliedNoOp(flag: Flag) {
        var harness = BillingHarness()
        let result = harness.apply(.clear(flag))
        #expect(result.status == "applied")
        #expect(result.seq == 1)
        #expect(harness.log.count == 1)
    }

    /// `clear_flag` returns each flag to its default.
    @Test func clearRestoresDefaults() {
        var harness = BillingHarness()
        harness.apply(.grant("u", "1000"))
        harness.apply(.flag(.singleRequestCap(testCredits("1"))))
        #expect(harness.apply(.debit("u", "2")).code == "request_cap_exceeded")
        harness.apply(.clear(.singleRequestCap))
        #expect(harness.apply(.debit("u", "50")).status == "applied")
        harness.apply(.flag(.billingRolloutPercentage(0)))
        #expect(harness.apply(.debit("u", "1")).mode == "shadow")
        harness.apply(.clear(.billingRolloutPercentage))
        #expect(harness.apply(.debit("u", "1")).mode == "charged")
        harness.apply(.flag(.lowBalanceThreshold(testCredits("100000"))))
        #expect(harness.apply(.debit("u", "1")).bool("low_balance") == true)
        harness.apply(.clear(.lowBalanceThreshold))
        #expect(harness.apply(.debit("u", "1")).bool("low_balance") == false)
        harness.apply(.flag(.billingAllowlist(["u"])))
        harness.apply(.flag(.shadowBillingEnabled(true)))
        #expect(harness.apply(.debit("u", "1")).mode == "charged")
        harness.apply(.clear(.billingAllowlist))
        #expect(harness.apply(.debit("u", "1")).mode == "shadow")
    }

    /// Default caps: 50 / 500 / 100 credits.
    @Test func defaultCaps() {
        var harness = BillingHarness()
        harness.apply(.grant("u", "10000"))
        #expect(harness.apply(.debit("u", "50.001")).code == "request_cap_exceeded")
        for _ in 0..<2 { #expect(harness.apply(.debit("u", "50", session: "s")).status == "applied") }
        #expect(harness.apply(.debit("u", "0.001", session: "s")).code == "session_cap_exceeded")
        for _ in 0..<8 { #expect(harness.apply(.debit("u", "50")).status == "applied") }
        #expect(harness.apply(.debit("u", "0.001")).code == "daily_cap_exceeded")
    }

    /// `set_user_limits` patches: absent leaves, null clears, a value sets; no cap field is an applied no-op.
    @Test func userLimitsPatch() {
        var harness = BillingHarness()
        harness.apply(.grant("u", "10000"))
        harness.apply(.limits("u", single: .set(testCredits("1")), daily: .set(testCredits("3"))))
        #expect(harness.apply(.debit("u", "1.001")).code == "request_cap_exceeded")
        harness.apply(.limits("u", session: .set(testCredits("2"))))  // leaves single and daily
        #expect(harness.apply(.debit("u", "1.001")).code == "request_cap_exceeded")
        #expect(harness.apply(.debit("u", "1", session: "s")).status == "applied")
        #expect(harness.apply(.debit("u", "1", session: "s")).status == "applied")
        #expect(harness.apply(.debit("u", "1", session: "s")).code == "session_cap_exceeded")
        #expect(harness.apply(.debit("u", "1")).status == "applied")
        #expect(harness.apply(.debit("u", "1")).code == "daily_cap_exceeded")
        harness.apply(.limits("u", daily: .clear))
        #expect(harness.apply(.debit("u", "1")).status == "applied")
        let noOp = harness.apply(.limits("u"))
        #expect(noOp.status == "applied")
        #expect(harness.apply(.debit("u", "1.001")).code == "request_cap_exceeded")
        // Limits of a suspended user are applied.
        harness.apply(.suspend("u"))
        #expect(harness.apply(.limits("u", single: .clear)).status == "applied")
    }

    /// No-ops are applied and appended: clear_override with none, suspend of a suspended user, reinstate of an
    /// active one, set_override whose expires_at ≤ its time.
    @Test func noOpsAreAppended() {
        var harness = BillingHarness()
        let now = harness.clock
        let commands: [Command] = [
            .clearOverride("u", "k"), .suspend("u"), .suspend("u"), .reinstate("u"), .reinstate("u"),
            .override("u", "k", 5, expires: now), .override("u", "k", 5, expires: now.adding(milliseconds: -1)),
        ]
        for (index, command) in commands.enumerated() {
            let result = harness.apply(command)
            #expect(result.rendered == #"{"status":"applied","seq":\#(index + 1),"code":"ok","http_status":200}"#)
        }
        #expect(harness.log.count == commands.count)
        #expect(harness.apply(.consume("u", "k"))["override_applied"] == .bool(false))
    }

    /// The decision time is max(at, last record time): an older `at` is recorded at the clamped time.
    @Test func recordTimeNeverDecreases() {
        var harness = BillingHarness()
        harness.apply(.grant("u", "1", at: testTime("2026-03-03T00:00:00Z")))
        harness.apply(.grant("u", "1", at: testTime("2026-03-01T00:00:00Z")))
        harness.apply(.grant("u", "1"))
        #expect(harness.log.map(\.time) == Array(repeating: testTime("2026-03-03T00:00:00Z"), count: 3))
        #expect(harness.state.lastRecordTime == testTime("2026-03-03T00:00:00Z"))
        #expect(harness.state.recordCount == 3)
    }

    /// An override's expiry uses the clamped time.
    @Test func clampedTimeForOverrideExpiry() {
        var harness = BillingHarness()
        harness.apply(.grant("u", "1", at: testTime("2026-03-03T00:00:00Z")))
        harness.apply(
            .override("u", "k", 5, expires: testTime("2026-03-02T00:00:00Z"), at: testTime("2026-03-01T00:00:00Z")))
        #expect(harness.apply(.consume("u", "k")).mode == "warned")
    }
}
