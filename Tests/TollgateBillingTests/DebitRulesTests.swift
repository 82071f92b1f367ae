import Testing

@testable import TollgateBilling

/// SEMANTICS.md, "debit — checks in this order, the first that fires decides", and the debit edge cases.
@Suite struct DebitRulesTests {
    struct OrderCase: CustomTestStringConvertible, Sendable {
        var name: String
        var enforcement = false
        var setup: [Command]
        var debit: Command
        var expectedStatus: String
        var expectedCode: String
        var expectedMode: String?
        var testDescription: String { name }
    }

    // Each case arms two checks; the earlier one in the rule's order must decide.
    static let orderCases: [OrderCase] = [
        // 2 before 3: a duplicate is answered even for a suspended user ("the key is checked first").
        OrderCase(
            name: "duplicate before suspension",
            setup: [.grant("u", "10"), .debit("u", "1", key: "k"), .suspend("u")],
            debit: .debit("u", "1", key: "k"), expectedStatus: "duplicate", expectedCode: "ok", expectedMode: "charged"),
        OrderCase(
            name: "idempotency conflict before suspension",
            setup: [.grant("u", "10"), .debit("u", "1", key: "k"), .suspend("u")],
            debit: .debit("u", "2", key: "k"), expectedStatus: "rejected", expectedCode: "idempotency_conflict"),
        // 3 before 4.
        OrderCase(
            name: "suspension before request cap", setup: [.suspend("u")], debit: .debit("u", "51"),
            expectedStatus: "rejected", expectedCode: "account_suspended"),
        // 4 before 5.
        OrderCase(
            name: "request cap before kill switch", setup: [.flag(.billingChargingEnabled(false))],
            debit: .debit("u", "50.001"), expectedStatus: "rejected", expectedCode: "request_cap_exceeded"),
        // 5 before 6.
        OrderCase(
            name: "kill switch before shadow",
            setup: [.flag(.billingChargingEnabled(false)), .flag(.shadowBillingEnabled(true))],
            debit: .debit("u", "1"), expectedStatus: "applied", expectedCode: "ok", expectedMode: "free"),
        // 6 before 7.
        OrderCase(
            name: "shadow before daily cap", setup: [.flag(.dailyCap(.zero)), .flag(.shadowBillingEnabled(true))],
            debit: .debit("u", "1"), expectedStatus: "applied", expectedCode: "ok", expectedMode: "shadow"),
        // 7 (daily) before 7 (session) before 8.
        OrderCase(
            name: "daily cap before session cap", enforcement: true,
            setup: [.flag(.dailyCap(.zero)), .flag(.sessionCap(.zero))], debit: .debit("u", "1", session: "s"),
            expectedStatus: "rejected", expectedCode: "daily_cap_exceeded"),
        OrderCase(
            name: "session cap before enforcement", enforcement: true, setup: [.flag(.sessionCap(.zero))],
            debit: .debit("u", "1", session: "s"), expectedStatus: "rejected", expectedCode: "session_cap_exceeded"),
        // 8.
        OrderCase(
            name: "enforcement at zero balance", enforcement: true, setup: [], debit: .debit("u", "1"),
            expectedStatus: "rejected", expectedCode: "insufficient_credits"),
        OrderCase(
            name: "warn-only at zero balance", setup: [], debit: .debit("u", "1"), expectedStatus: "applied",
            expectedCode: "ok", expectedMode: "charged"),
        // 9.
        OrderCase(
            name: "charged", enforcement: true, setup: [.grant("u", "1")], debit: .debit("u", "5"),
            expectedStatus: "applied", expectedCode: "ok", expectedMode: "charged"),
    ]

    @Test(arguments: orderCases)
    func checksFireInOrder(_ testCase: OrderCase) {
        var harness = BillingHarness(enforcement: testCase.enforcement)
        harness.apply(testCase.setup)
        let result = harness.apply(testCase.debit)
        #expect(result.status == testCase.expectedStatus)
        #expect(result.code == testCase.expectedCode)
        #expect(result.mode == testCase.expectedMode)
    }

    /// Rejection codes and HTTP statuses exactly as the contract lists them.
    @Test func rejectionShapes() {
        var harness = BillingHarness(enforcement: true)
        let insufficient = harness.apply(.debit("u", "1"))
        #expect(
            insufficient.rendered
                == #"{"status":"rejected","seq":1,"code":"insufficient_credits","http_status":402,"message":"Insufficient credits. Please top up your account."}"#
        )
        #expect(harness.apply(.debit("u", "51")).int("http_status") == 422)
        harness.apply(.flag(.dailyCap(.zero)))
        #expect(harness.apply(.debit("u", "1")).int("http_status") == 429)
        harness.apply(.suspend("u"))
        #expect(harness.apply(.debit("u", "1")).int("http_status") == 403)
    }

    /// 9: "a single debit may overdraw"; every applied debit returns balance_after and low_balance.
    @Test func chargedDebitRendersAllFields() {
        var harness = BillingHarness(enforcement: true)
        harness.apply(.grant("u", "1"))
        #expect(
            harness.apply(.debit("u", "5")).rendered
                == #"{"status":"applied","seq":2,"code":"ok","http_status":200,"mode":"charged","charged":"5.000","balance_after":"-4.000","low_balance":true}"#
        )
        #expect(harness.balance("u") == "-4.000")
    }

    /// 8: enforcement off and balance ≤ 0 → applied with warned:true.
    @Test func warnOnlyDebitIsChargedAndWarned() {
        var harness = BillingHarness()
        let result = harness.apply(.debit("u", "2.5"))
        #expect(result.bool("warned") == true)
        #expect(result.amount("charged") == "2.500")
        #expect(result.amount("balance_after") == "-2.500")
        #expect(harness.apply(.grant("u", "10")).amount("balance_after") == "7.500")
        #expect(harness.apply(.debit("u", "1"))["warned"] == nil)
    }

    /// 5 and 6: free and shadow leave the balance unchanged; shadow carries shadow_charge.
    @Test func freeAndShadowLeaveBalance() {
        var harness = BillingHarness()
        harness.apply(.grant("u", "3"))
        harness.apply(.flag(.billingChargingEnabled(false)))
        #expect(
            harness.apply(.debit("u", "1")).rendered
                == #"{"status":"applied","seq":3,"code":"ok","http_status":200,"mode":"free","charged":"0.000","balance_after":"3.000","low_balance":false}"#
        )
        harness.apply(.clear(.billingChargingEnabled))
        harness.apply(.flag(.shadowBillingEnabled(true)))
        #expect(
            harness.apply(.debit("u", "1.25")).rendered
                == #"{"status":"applied","seq":6,"code":"ok","http_status":200,"mode":"shadow","charged":"0.000","shadow_charge":"1.250","balance_after":"3.000","low_balance":false}"#
        )
        #expect(harness.balance("u") == "3.000")
    }

    /// 6: rollout by FNV-1a 64 bucket, allowlist exempts.
    @Test(arguments: ["alice", "bob", "carol", "u-17", "x@y.z"])
    func rolloutBucket(user: String) {
        let bucket = Int64(RolloutHash.fnv1a64(user) % 100)
        var harness = BillingHarness()
        harness.apply(.flag(.billingRolloutPercentage(bucket)))
        #expect(harness.apply(.debit(user, "1")).mode == "shadow")  // bucket ≥ rollout
        harness.apply(.flag(.billingRolloutPercentage(bucket + 1)))
        #expect(harness.apply(.debit(user, "1")).mode == (bucket + 1 < 100 ? "charged" : "charged"))
        harness.apply(.flag(.billingRolloutPercentage(0)))
        #expect(harness.apply(.debit(user, "1")).mode == "shadow")
        harness.apply(.flag(.billingAllowlist([user])))
        #expect(harness.apply(.debit(user, "1")).mode == "charged")
        harness.apply(.flag(.shadowBillingEnabled(true)))
        #expect(harness.apply(.debit(user, "1")).mode == "charged")
        harness.apply(.flag(.billingAllowlist(["someone-else"])))
        #expect(harness.apply(.debit(user, "1")).mode == "shadow")
    }

    /// FNV-1a 64 reference values (offset 14695981039346656037, prime 1099511628211).
    @Test func fnvReferenceValues() {
        #expect(RolloutHash.fnv1a64("") == 14_695_981_039_346_656_037)
        #expect(RolloutHash.fnv1a64("a") == 0xaf63_dc4c_8601_ec8c)
        #expect(RolloutHash.fnv1a64("foobar") == 0x8594_4171_f739_67e8)
    }

    /// 4: the user's own single-request cap replaces the flag; a cap of 0 rejects every debit.
    @Test func singleRequestCapPerUser() {
        var harness = BillingHarness()
        harness.apply(.grant("u", "1000"))
        #expect(harness.apply(.debit("u", "50")).status == "applied")
        #expect(harness.apply(.debit("u", "50.001")).code == "request_cap_exceeded")
        harness.apply(.limits("u", single: .set(testCredits("60"))))
        #expect(harness.apply(.debit("u", "60")).status == "applied")
        harness.apply(.limits("u", single: .set(.zero)))
        #expect(harness.apply(.debit("u", "0.001")).code == "request_cap_exceeded")
        harness.apply(.limits("u", single: .clear))
        #expect(harness.apply(.debit("u", "50")).status == "applied")
        #expect(harness.apply(.debit("v", "50.001")).code == "request_cap_exceeded")
    }

    /// 7: the daily cap counts charged amounts on the UTC day of the decision time.
    @Test func dailyCapByUTCDay() {
        var harness = BillingHarness()
        harness.apply(.flag(.dailyCap(testCredits("100"))))
        harness.apply(.flag(.singleRequestCap(testCredits("100"))))
        harness.apply(.grant("u", "1000"))
        #expect(harness.apply(.debit("u", "50", at: testTime("2026-03-01T23:00:00Z"))).status == "applied")
        #expect(harness.apply(.debit("u", "50", at: testTime("2026-03-01T23:59:59.999Z"))).status == "applied")
        #expect(
            harness.apply(.debit("u", "0.001", at: testTime("2026-03-01T23:59:59.999Z"))).code == "daily_cap_exceeded")
        #expect(harness.apply(.debit("u", "100", at: testTime("2026-03-02T00:00:00Z"))).status == "applied")
        // Another user's day is their own.
        #expect(harness.apply(.debit("v", "100", at: testTime("2026-03-02T00:00:00Z"))).status == "applied")
        // A user's own daily cap replaces the flag; 0 rejects every debit that would be charged.
        harness.apply(.limits("w", daily: .set(.zero)))
        #expect(harness.apply(.debit("w", "1")).code == "daily_cap_exceeded")
        harness.apply(.flag(.billingChargingEnabled(false)))
        #expect(harness.apply(.debit("w", "1")).mode == "free")
    }

    /// 7: the session cap sums charged debits of that session with time in (t − 60 min, t].
    @Test func sessionCapWindow() {
        var harness = BillingHarness()
        harness.apply(.grant("u", "1000"))
        harness.apply(.flag(.sessionCap(testCredits("10"))))
        let start = testTime("2026-03-01T13:00:00Z")
        #expect(harness.apply(.debit("u", "6", session: "s", at: start)).status == "applied")
        #expect(
            harness.apply(.debit("u", "5", session: "s", at: start.adding(milliseconds: 59 * 60_000))).code
                == "session_cap_exceeded")
        // Another session, or no session, is not counted.
        #expect(
            harness.apply(.debit("u", "5", session: "s2", at: start.adding(milliseconds: 59 * 60_000))).status
                == "applied")
        #expect(harness.apply(.debit("u", "20", at: start.adding(milliseconds: 59 * 60_000))).status == "applied")
        // At exactly t + 60 min the first debit has left the window.
        let late = harness.apply(.debit("u", "10", session: "s", at: start.adding(milliseconds: 60 * 60_000)))
        #expect(late.status == "applied", "\(late.rendered)")
        #expect(
            harness.apply(.debit("u", "0.001", session: "s", at: start.adding(milliseconds: 60 * 60_000))).code
                == "session_cap_exceeded")
    }

    /// Edge case: caps sum charged amounts of earlier charged debits, not reduced by refunds; free and shadow
    /// debits are not charged.
    @Test func capsIgnoreRefundsAndUnchargedDebits() {
        var harness = BillingHarness()
        harness.apply(.grant("u", "1000"))
        harness.apply(.flag(.dailyCap(testCredits("10"))))
        let debit = harness.apply(.debit("u", "10"))
        harness.apply(.refund("u", seq: debit.seq!))
        #expect(harness.apply(.debit("u", "1")).code == "daily_cap_exceeded")
        var other = BillingHarness()
        other.apply(.flag(.dailyCap(testCredits("10"))))
        other.apply(.flag(.shadowBillingEnabled(true)))
        other.apply(.debit("u", "10"))
        other.apply(.clear(.shadowBillingEnabled))
        #expect(other.apply(.debit("u", "10")).status == "applied")
    }

    /// low_balance = balance_after ≤ low_balance_threshold (which may be negative); free and shadow debits compare
    /// the unchanged balance.
    @Test(arguments: [
        // (threshold, balance before, debit, expected low_balance)
        ("0", "5", "5", true), ("0", "5", "4.999", false), ("4.999", "5", "0.001", true),
        ("4.998", "5", "0.001", false),
        ("-1", "0", "1", true), ("-1", "0", "0.999", false), ("-2", "1", "2", false),
    ])
    func lowBalance(threshold: String, balance: String, debit: String, expected: Bool) {
        var harness = BillingHarness()
        if testCredits(balance) > .zero { harness.apply(.grant("u", balance)) }
        harness.apply(.flag(.lowBalanceThreshold(testCredits(threshold))))
        #expect(harness.apply(.debit("u", debit)).bool("low_balance") == expected)
        harness.apply(.flag(.shadowBillingEnabled(true)))
        let shadow = harness.apply(.debit("u", debit))
        #expect(shadow.bool("low_balance") == (testCredits(shadow.amount("balance_after")!) <= testCredits(threshold)))
    }

    /// Only charged debits count towards the anomaly rule (n and S); free and shadow debits never carry it.
    @Test func anomalyCountsChargedDebitsOnly() {
        var harness = BillingHarness()
        harness.apply(.grant("u", "1000"))
        harness.apply(.flag(.shadowBillingEnabled(true)))
        for _ in 0..<10 { harness.apply(.debit("u", "1")) }
        #expect(harness.apply(.debit("u", "50"))["anomaly"] == nil)
        harness.apply(.clear(.shadowBillingEnabled))
        for _ in 0..<4 { harness.apply(.debit("u", "1")) }
        // n = 4 charged so far.
        #expect(harness.apply(.debit("u", "50"))["anomaly"] == nil)
        harness.apply(.flag(.billingChargingEnabled(false)))
        #expect(harness.apply(.debit("u", "50"))["anomaly"] == nil)
        harness.apply(.clear(.billingChargingEnabled))
        // n = 5, S = 54: 5 × amount > 270 ⇔ amount > 54.
        #expect(harness.apply(.debit("u", "50"))["anomaly"] == nil)
        // n = 6, S = 104: 6 × amount > 520 ⇔ amount > 86.666.
        harness.apply(.limits("u", single: .set(testCredits("1000"))))
        #expect(harness.apply(.debit("u", "86.667")).bool("anomaly") == true)
    }

    /// A duplicate of the debit that tripped the breaker repeats its result (anomaly included) and appends nothing.
    @Test func duplicateOfBreakerDebit() {
        var harness = BillingHarness()
        harness.apply(.grant("u", "10000"))
        harness.apply(.limits("u", single: .set(testCredits("10000")), daily: .set(testCredits("1000000"))))
        harness.apply(.flag(.anomalyCircuitBreakerEnabled(true)))
        for _ in 0..<5 { harness.apply(.debit("u", "1")) }
        harness.apply(.debit("u", "100"))
        harness.apply(.debit("u", "1000"))
        let tripping = harness.apply(.debit("u", "9000", key: "big"))
        let count = harness.log.count
        let duplicate = harness.apply(.debit("u", "9000", key: "big"))
        #expect(harness.log.count == count)
        #expect(duplicate.seq == tripping.seq)
        #expect(duplicate.bool("anomaly") == true)
        #expect(duplicate.status == "duplicate")
    }

    /// Anomaly: n ≥ 5 earlier charged debits and amount × min(n,20) > 5 × S over the last min(n,20).
    @Test func anomalyRule() {
        var harness = BillingHarness()
        harness.apply(.grant("u", "1000"))
        for _ in 0..<4 { #expect(harness.apply(.debit("u", "1"))["anomaly"] == nil) }
        // n = 4: never an anomaly.
        #expect(harness.apply(.debit("u", "40"))["anomaly"] == nil)
        // n = 5, S = 44: 5 × amount > 220 ⇔ amount > 44.
        #expect(harness.apply(.debit("u", "44"))["anomaly"] == nil)
        // n = 6, S = 88: 6 × amount > 440 ⇔ amount > 73.333.
        harness.apply(.limits("u", single: .set(testCredits("1000")), daily: .set(testCredits("100000"))))
        #expect(harness.apply(.debit("u", "73.334")).bool("anomaly") == true)
    }

    /// Anomaly over the last 20 charged debits only; warn-only debits count as charged.
    @Test func anomalyWindowOfTwenty() {
        var harness = BillingHarness()
        harness.apply(.limits("u", single: .set(testCredits("1000")), daily: .set(testCredits("100000"))))
        harness.apply(.debit("u", "100"))  // warn-only, charged; falls out of the last 20 below
        for _ in 0..<20 { harness.apply(.debit("u", "1")) }
        // Last 20: S = 20; 20 × amount > 100 ⇔ amount > 5.
        #expect(harness.apply(.debit("u", "5"))["anomaly"] == nil)
        // S = 24: 20 × amount > 120 ⇔ amount > 6; then S = 29: amount > 7.25.
        #expect(harness.apply(.debit("u", "6"))["anomaly"] == nil)
        #expect(harness.apply(.debit("u", "7.251")).bool("anomaly") == true)
    }

    /// Circuit breaker: the third anomaly within 60 minutes appends a suspension with the next seq.
    @Test func circuitBreakerSuspends() {
        var harness = BillingHarness()
        harness.apply(.grant("u", "10000"))
        harness.apply(.limits("u", single: .set(testCredits("10000")), daily: .set(testCredits("1000000"))))
        harness.apply(.flag(.anomalyCircuitBreakerEnabled(true)))
        for _ in 0..<5 { harness.apply(.debit("u", "1")) }
        let base = testTime("2026-03-01T12:00:00Z")
        #expect(harness.apply(.debit("u", "100", at: base)).bool("anomaly") == true)
        #expect(harness.apply(.debit("u", "1000", at: base.adding(milliseconds: 30 * 60_000))).bool("anomaly") == true)
        let third = harness.apply(.debit("u", "9000", at: base.adding(milliseconds: 59 * 60_000)))
        #expect(third.bool("anomaly") == true)
        #expect(third.seq == 11)
        #expect(harness.state.isSuspended(userID: "u"))
        #expect(harness.records.last == .breakerSuspension(userID: "u"))
        // The next printed seq skips one.
        #expect(harness.apply(.debit("u", "1")).seq == 13)
        #expect(harness.state.enforcement(userID: "u", at: base).state == .suspended)
    }

    /// Breaker: anomalies count whether or not the breaker was on; the window is (t − 60 min, t].
    @Test func circuitBreakerWindow() {
        var harness = BillingHarness()
        harness.apply(.grant("u", "100000"))
        harness.apply(.limits("u", single: .set(testCredits("100000")), daily: .set(testCredits("10000000"))))
        for _ in 0..<5 { harness.apply(.debit("u", "1")) }
        let base = testTime("2026-03-01T12:00:00Z")
        #expect(harness.apply(.debit("u", "100", at: base)).bool("anomaly") == true)
        #expect(harness.apply(.debit("u", "1000", at: base.adding(milliseconds: 30 * 60_000))).bool("anomaly") == true)
        harness.apply(.flag(.anomalyCircuitBreakerEnabled(true)))
        // At base + 60 min the first anomaly has left the window: only two.
        #expect(harness.apply(.debit("u", "10000", at: base.adding(milliseconds: 60 * 60_000))).bool("anomaly") == true)
        #expect(!harness.state.isSuspended(userID: "u"))
        // The next one within the window of the last two trips it.
        #expect(harness.apply(.debit("u", "90000", at: base.adding(milliseconds: 61 * 60_000))).bool("anomaly") == true)
        #expect(harness.state.isSuspended(userID: "u"))
        // Across reinstatement: a fourth anomaly within the window suspends again.
        harness.apply(.reinstate("u"))
        harness.apply(.grant("u", "10000000", source: .purchase))
        #expect(harness.apply(.debit("u", "99000", at: base.adding(milliseconds: 62 * 60_000))).bool("anomaly") == true)
        #expect(harness.state.isSuspended(userID: "u"))
    }

    /// Idempotency: same key and payload → duplicate repeating the original's seq and fields (balance_after as
    /// then), nothing appended; payload is (amount, session_id); only applied commands register keys.
    @Test func debitIdempotency() {
        var harness = BillingHarness(enforcement: true)
        harness.apply(.grant("u", "10"))
        let original = harness.apply(.debit("u", "3", session: "s", key: "k"))
        harness.apply(.debit("u", "1"))
        let logCount = harness.log.count
        let duplicate = harness.apply(.debit("u", "3", session: "s", key: "k"))
        #expect(harness.log.count == logCount)
        #expect(duplicate.status == "duplicate")
        #expect(duplicate.seq == original.seq)
        #expect(duplicate.amount("balance_after") == "7.000")
        var expected = original.rendered
        expected = "{\"status\":\"duplicate\"" + expected.dropFirst("{\"status\":\"applied\"".count)
        #expect(duplicate.rendered == expected)
        #expect(harness.apply(.debit("u", "3", session: "other", key: "k")).code == "idempotency_conflict")
        #expect(harness.apply(.debit("u", "3", key: "k")).code == "idempotency_conflict")
        // Keys are per user and per op.
        #expect(harness.apply(.debit("v", "3", session: "s", key: "k")).code == "insufficient_credits")
        #expect(harness.apply(.grant("u", "3", key: "k")).status == "applied")
        // A rejected command registers nothing: after a top-up, the retry is decided afresh.
        #expect(harness.apply(.debit("v", "1", key: "r")).code == "insufficient_credits")
        harness.apply(.grant("v", "5"))
        let retried = harness.apply(.debit("v", "1", key: "r"))
        #expect(retried.status == "applied")
        #expect(harness.apply(.debit("v", "1", key: "r")).seq == retried.seq)
    }

    /// Shadow and free debits register their key too (they are applied).
    @Test func shadowDebitDuplicate() {
        var harness = BillingHarness()
        harness.apply(.flag(.shadowBillingEnabled(true)))
        let original = harness.apply(.debit("u", "2", key: "k"))
        harness.apply(.clear(.shadowBillingEnabled))
        let duplicate = harness.apply(.debit("u", "2", key: "k"))
        #expect(duplicate.status == "duplicate")
        #expect(duplicate.mode == "shadow")
        #expect(duplicate.seq == original.seq)
    }

    /// Time: an `at` older than the log is clamped; the UTC day is that of the clamped time.
    @Test func clampedTimeDecides() {
        var harness = BillingHarness()
        harness.apply(.grant("u", "1000"))
        harness.apply(.flag(.dailyCap(testCredits("10"))))
        harness.apply(.debit("u", "10", at: testTime("2026-03-02T00:00:01Z")))
        // Claims the previous day, decided on the clamped one.
        #expect(harness.apply(.debit("u", "1", at: testTime("2026-03-01T08:00:00Z"))).code == "daily_cap_exceeded")
        #expect(harness.log.last!.time == testTime("2026-03-02T00:00:01Z"))
    }

    /// A debit whose balance would leave Int64 is refused (not in the contract; docs/billing-decisions.md).
    @Test func balanceOverflowIsRejected() {
        var harness = BillingHarness()
        harness.apply(
            .limits(
                "u", single: .set(Millicredits(rawValue: Millicredits.magnitudeMax)),
                daily: .set(Millicredits(rawValue: Millicredits.magnitudeMax))))
        var days: Int64 = 0
        var result = JSONValue.null
        repeat {
            result = harness.apply(
                .debit(
                    "u", "9000000000000",
                    at: testTime("2026-03-01T00:00:00Z").adding(milliseconds: days * Timestamp.millisecondsPerDay)))
            days += 1
        } while result.status == "applied" && days < 2000
        #expect(result.code == "balance_limit_exceeded")
        #expect(harness.verify().isEmpty)
    }
}
