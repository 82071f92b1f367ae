import Testing

@testable import TollgateBilling

/// SEMANTICS.md, "Invariants a replay checks": each tampering is reported under its invariant with its seq.
@Suite struct LedgerVerifierTests {
    typealias Logged = BillingHarness.LoggedRecord

    static func baseline() -> BillingHarness {
        var harness = BillingHarness()
        harness.apply(.grant("u", "10"))  // 1
        harness.apply(.debit("u", "4"))  // 2
        harness.apply(.refund("u", seq: 2, "1"))  // 3
        harness.apply(.plan("p", ["a": 1], enforcement: true, grace: 1))  // 4
        harness.apply(.subscribe("u", "p"))  // 5
        harness.apply(.consume("u", "a"))  // 6 within
        harness.apply(.consume("u", "a"))  // 7 grace
        harness.apply(.debit("u", "1", key: "k"))  // 8
        harness.apply(.flag(.shadowBillingEnabled(true)))  // 9
        harness.apply(.debit("u", "1"))  // 10 shadow
        return harness
    }

    static func replacing(_ log: [Logged], seq: Int64, with record: LedgerRecord) -> [Logged] {
        log.map { entry in
            guard entry.seq == seq else { return entry }
            var copy = entry
            copy.typeTag = record.typeTag
            copy.body = record.encodedBody
            return copy
        }
    }

    @Test func cleanLogHasNoViolations() {
        let harness = Self.baseline()
        #expect(harness.verify().isEmpty)
        var verifier = LedgerVerifier(configuration: BillingConfiguration())
        for entry in harness.log {
            verifier.check(seq: entry.seq, time: entry.time, typeTag: entry.typeTag, body: entry.body)
        }
        #expect(verifier.finish().isEmpty)
        #expect(verifier.state.balancesJSON() == harness.state.balancesJSON())
    }

    struct Tamper: CustomTestStringConvertible, Sendable {
        var name: String
        var seq: Int64
        var record: LedgerRecord
        var invariant: String
        var testDescription: String { name }
    }

    static let tampers: [Tamper] = [
        Tamper(
            name: "charged amount changed", seq: 2,
            record: .debit(
                DebitRecord(
                    command: Command.Debit(userID: "u", amount: testCredits("4")), enforcementEnabled: false,
                    outcome: .charged(testCredits("5"), warned: false, anomaly: false))),
            invariant: "decision_replays"),
        Tamper(
            name: "recorded enforcement flipped", seq: 2,
            record: .debit(
                DebitRecord(
                    command: Command.Debit(userID: "u", amount: testCredits("4")), enforcementEnabled: true,
                    outcome: .charged(testCredits("4"), warned: false, anomaly: false))),
            invariant: "recorded_enforcement_matches"),
        Tamper(
            name: "shadow recorded as charged", seq: 10,
            record: .debit(
                DebitRecord(
                    command: Command.Debit(userID: "u", amount: testCredits("1")), enforcementEnabled: false,
                    outcome: .charged(testCredits("1"), warned: false, anomaly: false))),
            invariant: "decision_replays"),
        Tamper(
            name: "refund above the charge", seq: 3,
            record: .refund(
                RefundRecord(
                    command: Command.Refund(userID: "u", debitSeq: 2, amount: testCredits("4.5"), initiatedBy: "ops"))),
            invariant: "refund_within_charge"),
        Tamper(
            name: "refund of a grant", seq: 3,
            record: .refund(
                RefundRecord(
                    command: Command.Refund(userID: "u", debitSeq: 1, amount: testCredits("1"), initiatedBy: "ops"))),
            invariant: "refund_within_charge"),
        Tamper(
            name: "grace without remaining", seq: 6,
            record: .consume(
                ConsumeRecord(command: Command.Consume(userID: "u", entitlementKey: "a", quantity: 2), outcome: .grace)),
            invariant: "grace_within_remaining"),
        Tamper(
            name: "rejection turned applied", seq: 7,
            record: .consume(
                ConsumeRecord(command: Command.Consume(userID: "u", entitlementKey: "a"), outcome: .withinLimit)),
            invariant: "decision_replays"),
        Tamper(
            name: "forged breaker suspension", seq: 9,
            record: .breakerSuspension(userID: "u"),
            invariant: "decision_replays"),
        Tamper(
            name: "idempotency key applied twice", seq: 10,
            record: .debit(
                DebitRecord(
                    command: Command.Debit(userID: "u", amount: testCredits("1"), idempotencyKey: "k"),
                    enforcementEnabled: false, outcome: .shadow)),
            invariant: "idempotency_key_applied_once"),
    ]

    @Test(arguments: tampers)
    func tamperingIsReported(_ tamper: Tamper) {
        let harness = Self.baseline()
        let violations = harness.verify(log: Self.replacing(harness.log, seq: tamper.seq, with: tamper.record))
        #expect(
            violations.contains { $0.invariant == tamper.invariant && $0.seq == tamper.seq },
            "\(violations.map(\.json.rendered))")
    }

    /// Verifies `log` naming each record's user by a key, as a replay does (one lookup per record on its reading
    /// side): keys in order of first sight, as the accounting journal gives them.
    static func verifyWithUserKeys(_ log: [Logged], configuration: BillingConfiguration) -> [Violation] {
        var verifier = LedgerVerifier(configuration: configuration)
        var keys: [String: Int32] = [:]
        for entry in log {
            let decoded = LedgerRecord.decode(typeTag: entry.typeTag, body: entry.body)
            var key: Int32 = -1
            if case .success(let record) = decoded, let userID = record.userID {
                key = keys[userID] ?? Int32(keys.count)
                keys[userID] = key
            }
            verifier.check(seq: entry.seq, time: entry.time, decoded: decoded, userKey: key)
        }
        return verifier.finish()
    }

    /// Verifies `log` as a replay does since debits travel apart from the enum: user keys, and every debit that
    /// fits a ``CompactDebit`` decoded straight into one (``LedgerRecord/decodeCompactDebit(bodyBytes:)``) and
    /// checked through ``LedgerVerifier/check(seq:time:debit:userKey:)``.
    static func verifyWithCompactDebits(_ log: [Logged], configuration: BillingConfiguration) -> [Violation] {
        CompactDebitPathTests.verifyBySlot(log, configuration: configuration).0
    }

    /// A compact debit decodes exactly when the body decodes to a debit without optional strings, and is that
    /// debit; on random logs, clean and with garbled bodies.
    @Test(arguments: 0..<6 as Range<UInt64>)
    func compactDebitsDecodeAsTheRecordsDo(seed: UInt64) {
        let run = ModelPropertyTests.run(seed: seed, enforcement: seed % 2 == 1, checkEachStep: false)
        let bodies = Self.bodiesWithFlippedCopies(run.harness.log, seed: seed &+ 3000)
        var compactCount = 0
        for body in bodies {
            let compact = body.withUnsafeBytes { LedgerRecord.decodeCompactDebit(bodyBytes: $0) }
            var expected: CompactDebit?
            if case .success(.debit(let record)) = LedgerRecord.decode(typeTag: CompactDebit.typeTag, body: body) {
                expected = CompactDebit(record)
            }
            #expect(compact == expected)
            if let compact {
                compactCount += 1
                let decoded = LedgerRecord.decode(typeTag: CompactDebit.typeTag, body: body)
                #expect(decoded == .success(.debit(compact.record)))
            }
        }
        #expect(compactCount > 0)
    }

    /// How a replay may hand records to the verifier; each must report exactly what ``BillingHarness/verify(log:)``
    /// reports.
    enum KeyedPath: String, CaseIterable, CustomTestStringConvertible {
        case userKeys, compactDebits
        var testDescription: String { rawValue }

        func verify(_ log: [Logged], configuration: BillingConfiguration) -> [Violation] {
            switch self {
            case .userKeys: LedgerVerifierTests.verifyWithUserKeys(log, configuration: configuration)
            case .compactDebits: LedgerVerifierTests.verifyWithCompactDebits(log, configuration: configuration)
            }
        }
    }

    /// User keys and compact debits change how a record reaches the checks, never what is reported: every
    /// tampering gives the same violations, in the same order.
    @Test(arguments: tampers, KeyedPath.allCases)
    func keyedPathsReportTheSameViolations(_ tamper: Tamper, path: KeyedPath) {
        let harness = Self.baseline()
        let log = Self.replacing(harness.log, seq: tamper.seq, with: tamper.record)
        let violations = path.verify(log, configuration: harness.state.configuration)
        #expect(violations == harness.verify(log: log))
        #expect(violations.contains { $0.invariant == tamper.invariant && $0.seq == tamper.seq })
    }

    /// The same over random command streams (several users, breakers, refunds), clean and garbled.
    @Test(arguments: 0..<6 as Range<UInt64>, KeyedPath.allCases)
    func keyedPathsReportTheSameViolationsOnRandomLogs(seed: UInt64, path: KeyedPath) {
        let run = ModelPropertyTests.run(seed: seed, enforcement: seed % 2 == 1, checkEachStep: false)
        let configuration = run.harness.state.configuration
        #expect(path.verify(run.harness.log, configuration: configuration) == run.harness.verify())
        let log = Self.withRecordsSwapped(run.harness.log, seed: seed &+ 2000)
        #expect(path.verify(log, configuration: configuration) == run.harness.verify(log: log))
    }

    /// `log` with about one record in ten given another record's type and body (seqs and times kept).
    static func withRecordsSwapped(_ log: [Logged], seed: UInt64) -> [Logged] {
        var random = BillingSplitMix64(seed: seed)
        var swapped = log
        for index in swapped.indices where Int.random(in: 0..<100, using: &random) < 10 {
            let other = log.randomElement(using: &random)!
            swapped[index].typeTag = other.typeTag
            swapped[index].body = other.body
        }
        return swapped
    }

    /// The bodies of `log`, then a copy with one byte flipped of about three in ten of them.
    static func bodiesWithFlippedCopies(_ log: [Logged], seed: UInt64) -> [[UInt8]] {
        var random = BillingSplitMix64(seed: seed)
        var bodies = log.map(\.body)
        for index in bodies.indices where Int.random(in: 0..<100, using: &random) < 30 && !bodies[index].isEmpty {
            bodies.append(bodies[index])
            bodies[bodies.count - 1][Int.random(in: 0..<bodies[index].count, using: &random)] ^= 0x5a
        }
        return bodies
    }

    /// A tampered debit is reported in the words of `decide`'s own records (the verifier re-decides debits without
    /// building a `Decision`): the re-decided record's summary, or the result line when nothing would be recorded.
    @Test func aRedecidedDebitIsReportedInDecidesWords() {
        let harness = Self.baseline()
        let tampered = DebitRecord(
            command: Command.Debit(userID: "u", amount: testCredits("4")), enforcementEnabled: false,
            outcome: .charged(testCredits("5"), warned: false, anomaly: false))
        let violations = harness.verify(log: Self.replacing(harness.log, seq: 2, with: .debit(tampered)))
        var state = State(configuration: BillingConfiguration())
        let grant = harness.log[0]
        guard case .success(let granted) = LedgerRecord.decode(typeTag: grant.typeTag, body: grant.body) else {
            Issue.record("the grant decodes")
            return
        }
        fold(&state, granted, seq: grant.seq, time: grant.time)
        let redecided = decide(.debit(tampered.command), in: state, seq: 2, time: harness.log[1].time)
        let detail = "recorded \(LedgerRecord.debit(tampered).summary), re-decided \(redecided.records[0].summary)"
        #expect(violations.contains(Violation(invariant: "decision_replays", seq: 2, detail: detail)))

        // Seq 10 replaced by a debit reusing seq 8's key and payload: `decide` answers a duplicate, no record.
        let duplicate = DebitRecord(
            command: Command.Debit(userID: "u", amount: testCredits("1"), idempotencyKey: "k"),
            enforcementEnabled: false, outcome: .charged(testCredits("1"), warned: false, anomaly: false))
        let reported = harness.verify(log: Self.replacing(harness.log, seq: 10, with: .debit(duplicate)))
        #expect(
            reported.contains {
                $0.invariant == "decision_replays" && $0.seq == 10
                    && $0.detail.hasPrefix("recorded \(LedgerRecord.debit(duplicate).summary), re-decided as {")
                    && $0.detail.contains(#""status":"duplicate""#)
            }, "\(reported.map(\.json.rendered))")
    }

    /// A body that fails to decode is a violation, not a crash.
    @Test func undecodableBody() {
        let harness = Self.baseline()
        var log = harness.log
        log[3].body = [0xff, 0xff]
        let violations = harness.verify(log: log)
        #expect(violations.first?.invariant == "record_decodes")
        #expect(violations.first?.seq == 4)
        #expect(violations.first?.json.rendered.hasPrefix(#"{"invariant":"record_decodes","seq":4,"detail":"#) == true)
    }

    /// Replay must be told the same config: under another one, the recorded enforcement no longer matches.
    @Test func wrongConfiguration() {
        let harness = Self.baseline()
        let violations = harness.verify(configuration: BillingConfiguration(creditEnforcementEnabled: true))
        #expect(violations.contains { $0.invariant == "recorded_enforcement_matches" && $0.seq == 2 })
    }

    /// The breaker's suspension must follow the debit that tripped it.
    @Test func missingBreakerSuspension() {
        var harness = BillingHarness()
        harness.apply(.grant("u", "1000"))
        harness.apply(.limits("u", single: .set(testCredits("1000")), daily: .set(testCredits("100000"))))
        harness.apply(.flag(.anomalyCircuitBreakerEnabled(true)))
        for _ in 0..<5 { harness.apply(.debit("u", "1")) }
        for amount in ["10", "100", "900"] { harness.apply(.debit("u", amount)) }
        #expect(harness.verify().isEmpty)
        let breakerIndex = harness.log.lastIndex { $0.typeTag == LedgerRecordKind.breakerSuspension.rawValue }!
        let tripping = harness.log[breakerIndex - 1].seq
        var truncated = harness.log
        truncated.remove(at: breakerIndex)
        #expect(
            harness.verify(log: truncated).contains {
                $0.invariant == "circuit_breaker_follows_debit" && $0.seq == tripping
            })
        harness.apply(.grant("u", "1"))
        var removed = harness.log
        removed.remove(at: breakerIndex)
        #expect(
            harness.verify(log: removed).contains {
                $0.invariant == "circuit_breaker_follows_debit" && $0.seq == tripping
            })
    }

    /// End-of-log: the balance equation and liability are checked and reported without a seq.
    @Test func endOfLogChecksRenderNullSeq() {
        let violation = Violation(invariant: "balance_equation", seq: nil, detail: "d")
        #expect(violation.json.rendered == #"{"invariant":"balance_equation","seq":null,"detail":"d"}"#)
    }

    /// Forged and garbled records never trap the verifier (or fold): every record is either reported or folded.
    @Test(arguments: 0..<6 as Range<UInt64>)
    func forgedLogsNeverTrap(seed: UInt64) {
        let run = ModelPropertyTests.run(seed: seed, enforcement: false, checkEachStep: false)
        var random = BillingSplitMix64(seed: seed &+ 1000)
        var log = run.harness.log
        for index in log.indices where Int.random(in: 0..<100, using: &random) < 15 {
            if Bool.random(using: &random), !log[index].body.isEmpty {
                log[index].body[Int.random(in: 0..<log[index].body.count, using: &random)] = UInt8.random(
                    in: 0...255, using: &random)
            } else {
                let other = log.randomElement(using: &random)!
                log[index].typeTag = other.typeTag
                log[index].body = other.body
            }
        }
        let violations = run.harness.verify(log: log)
        #expect(!violations.isEmpty || log.map(\.body) == run.harness.log.map(\.body), "seed \(seed)")
    }

    /// `--until-seq` can stop between a debit and its breaker suspension: not a violation then.
    @Test func stoppingEarlyBeforeBreakerSuspension() {
        var harness = BillingHarness()
        harness.apply(.grant("u", "1000"))
        harness.apply(.limits("u", single: .set(testCredits("1000")), daily: .set(testCredits("100000"))))
        harness.apply(.flag(.anomalyCircuitBreakerEnabled(true)))
        for _ in 0..<5 { harness.apply(.debit("u", "1")) }
        for amount in ["10", "100", "900"] { harness.apply(.debit("u", amount)) }
        var verifier = LedgerVerifier(configuration: BillingConfiguration())
        for entry in harness.log.dropLast() {
            verifier.check(seq: entry.seq, time: entry.time, typeTag: entry.typeTag, body: entry.body)
        }
        #expect(verifier.finish(stoppedEarly: true).isEmpty)
        #expect(!verifier.finish().isEmpty)
    }

    /// A decreasing record time (a log-level violation the engine reports) does not trap the billing checks.
    @Test func decreasingTimeIsClampedNotFatal() {
        var harness = Self.baseline()
        harness.apply(.grant("u", "1", at: testTime("2026-03-05T00:00:00Z")))
        var log = harness.log
        log[log.count - 1].time = testTime("2026-01-01T00:00:00Z")
        #expect(harness.verify(log: log).isEmpty)
    }
}
