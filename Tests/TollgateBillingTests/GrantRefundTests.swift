import Testing

@testable import TollgateBilling

/// SEMANTICS.md, "grant, refund", idempotency edge cases and the `balances` output.
@Suite struct GrantRefundTests {
    /// grant: balance += amount; the result returns balance_after.
    @Test(arguments: GrantSource.allCases)
    func grantAddsToBalance(source: GrantSource) {
        var harness = BillingHarness()
        let result = harness.apply(.grant("u", "2.5", source: source))
        #expect(
            result.rendered == #"{"status":"applied","seq":1,"code":"ok","http_status":200,"balance_after":"2.500"}"#)
        #expect(harness.apply(.grant("u", "0.001", source: source)).amount("balance_after") == "2.501")
    }

    /// Suspension blocks only debit and consume: grants and refunds of a suspended user are applied.
    @Test func suspendedUserReceivesGrantsAndRefunds() {
        var harness = BillingHarness()
        harness.apply(.grant("u", "5"))
        let debit = harness.apply(.debit("u", "2"))
        harness.apply(.suspend("u"))
        #expect(harness.apply(.grant("u", "1")).status == "applied")
        #expect(harness.apply(.refund("u", seq: debit.seq!)).amount("balance_after") == "6.000")
    }

    /// Grant idempotency: payload is (amount, source); reason, initiated_by and at are not part of it.
    @Test func grantIdempotency() {
        var harness = BillingHarness()
        let original = harness.apply(.grant("u", "5", key: "g"))
        harness.apply(.grant("u", "1"))
        let retry = Command.grant(
            Command.Grant(
                userID: "u", amount: testCredits("5"), source: .purchase, initiatedBy: "someone", reason: "again",
                idempotencyKey: "g", at: testTime("2026-03-05T00:00:00Z")))
        let duplicate = harness.apply(retry)
        #expect(
            duplicate.rendered
                == #"{"status":"duplicate","seq":1,"code":"ok","http_status":200,"balance_after":"5.000"}"#)
        #expect(original.seq == 1)
        #expect(harness.apply(.grant("u", "6", key: "g")).code == "idempotency_conflict")
        #expect(harness.apply(.grant("u", "5", source: .promo, key: "g")).code == "idempotency_conflict")
        #expect(harness.apply(.grant("u", "5", source: .promo, key: "g")).int("http_status") == 409)
        #expect(harness.balance("u") == "6.000")
    }

    /// refund: default amount is everything not yet refunded; partial refunds accumulate; the result returns
    /// balance_after.
    @Test func refundDefaultsToRemaining() {
        var harness = BillingHarness()
        harness.apply(.grant("u", "10"))
        let debit = harness.apply(.debit("u", "4"))
        #expect(
            harness.apply(.refund("u", seq: debit.seq!, "1.5")).rendered
                == #"{"status":"applied","seq":3,"code":"ok","http_status":200,"balance_after":"7.500"}"#)
        #expect(harness.apply(.refund("u", seq: debit.seq!)).amount("balance_after") == "10.000")
        #expect(
            harness.records.last
                == .refund(
                    RefundRecord(
                        command: Command.Refund(
                            userID: "u", debitSeq: 2, amount: testCredits("2.5"), initiatedBy: "ops"))))
    }

    struct InvalidRefund: CustomTestStringConvertible, Sendable {
        var name: String
        var refund: Command
        var testDescription: String { name }
    }

    /// refund: debit_seq must name an applied charged debit of this user and amount ≤ charged − refunded, else
    /// `invalid`, appending nothing.
    static let invalidRefunds: [InvalidRefund] = [
        InvalidRefund(name: "unknown seq", refund: .refund("u", seq: 99)),
        InvalidRefund(name: "seq of a grant", refund: .refund("u", seq: 1)),
        InvalidRefund(name: "another user's debit", refund: .refund("v", seq: 2)),
        InvalidRefund(name: "above the charge", refund: .refund("u", seq: 2, "4.001")),
        InvalidRefund(name: "shadow debit", refund: .refund("u", seq: 4)),
        InvalidRefund(name: "rejected debit", refund: .refund("u", seq: 5)),
        InvalidRefund(name: "unknown user", refund: .refund("nobody", seq: 2)),
    ]

    @Test(arguments: invalidRefunds)
    func invalidRefundAppendsNothing(_ testCase: InvalidRefund) {
        var harness = BillingHarness()
        harness.apply(.grant("u", "10"))  // 1
        harness.apply(.debit("u", "4"))  // 2
        harness.apply(.flag(.shadowBillingEnabled(true)))  // 3
        harness.apply(.debit("u", "1"))  // 4 shadow
        harness.apply(.debit("u", "51"))  // 5 rejected
        harness.apply(.grant("v", "1"))  // 6
        let count = harness.log.count
        let result = harness.apply(testCase.refund)
        #expect(result.status == "invalid")
        #expect(result.code == "invalid_request")
        #expect(result.int("http_status") == 422)
        #expect(result["seq"] == nil)
        #expect(harness.log.count == count)
    }

    /// A fully refunded debit has nothing left: a default-amount refund is invalid, as is any amount.
    @Test func fullyRefundedDebit() {
        var harness = BillingHarness()
        harness.apply(.grant("u", "10"))
        harness.apply(.debit("u", "4"))
        harness.apply(.refund("u", seq: 2))
        #expect(harness.apply(.refund("u", seq: 2)).status == "invalid")
        #expect(harness.apply(.refund("u", seq: 2, "0.001")).status == "invalid")
    }

    /// A warn-only debit is charged, so it can be refunded.
    @Test func warnOnlyDebitIsRefundable() {
        var harness = BillingHarness()
        let debit = harness.apply(.debit("u", "3"))
        #expect(debit.bool("warned") == true)
        #expect(harness.apply(.refund("u", seq: debit.seq!)).amount("balance_after") == "0.000")
    }

    /// balances: every user with an applied grant, debit (any mode) or refund; liability Σ balances including
    /// negatives; rejected debits and other commands list nobody.
    @Test func balancesListing() {
        var harness = BillingHarness(enforcement: true)
        harness.apply(.grant("a", "5"))
        harness.apply(.flag(.creditEnforcementEnabled(false)))
        harness.apply(.debit("b", "2"))  // warn-only: -2
        harness.apply(.flag(.creditEnforcementEnabled(true)))
        harness.apply(.debit("c", "1"))  // rejected: not listed
        harness.apply(.flag(.shadowBillingEnabled(true)))
        harness.apply(.debit("d", "1"))  // shadow: listed at 0
        harness.apply(.subscribe("e", "missing"))
        harness.apply(.suspend("f"))
        harness.apply(.plan("p", ["x": 1]))
        harness.apply(.subscribe("g", "p"))
        harness.apply(.consume("g", "x"))
        #expect(
            harness.state.balancesJSON().rendered
                == #"{"balances":{"a":"5.000","b":"-2.000","d":"0.000"},"liability":"3.000"}"#)
        #expect(harness.state.liability == testCredits("3"))
        #expect(harness.state.balances().map(\.userID) == ["a", "b", "d"])
    }

    /// Balances sort by user id bytes, whatever the order users appeared in.
    @Test func balancesSorted() {
        var harness = BillingHarness()
        for user in ["zed", "Alpha", "alpha", "1", "a.b", "a-b", "a_b", "a:b", "a@b"] {
            harness.apply(.grant(user, "1"))
        }
        #expect(
            harness.state.balances().map(\.userID) == ["1", "Alpha", "a-b", "a.b", "a:b", "a@b", "a_b", "alpha", "zed"])
    }

    /// Liability beyond Int64 is printed exactly (it is kept 128 bits wide).
    @Test func wideLiability() {
        var harness = BillingHarness()
        for index in 0..<2000 { harness.apply(.grant("u\(index)", "9000000000000")) }
        #expect(harness.state.balancesJSON().string("liability") == "18000000000000000.000")
        #expect(harness.verify().isEmpty)
    }

    /// A grant whose balance would leave Int64 is refused (docs/billing-decisions.md), never a trap.
    @Test func grantOverflowIsRejected() {
        var harness = BillingHarness()
        var last = JSONValue.null
        for _ in 0..<1100 { last = harness.apply(.grant("u", "9000000000000")) }
        #expect(last.code == "balance_limit_exceeded")
        #expect(harness.verify().isEmpty)
    }
}
