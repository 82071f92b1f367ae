import Testing

@testable import TollgateBilling

/// Model-based property tests over seeded random command streams: every result line, `balances`, settings and
/// enforcement state equal those of an independent naive model (`ReferenceModel`); the live state equals a fresh
/// fold of the decoded log after every command; the verifier finds nothing; tampering is caught with its seq; and
/// the same commands give byte-identical logs.
@Suite struct ModelPropertyTests {
    static let commandCount = 700

    struct Run {
        var harness: BillingHarness
        var results: [JSONValue]
    }

    /// Applies a seeded stream, checking after every command that a second state folded from the decoded records
    /// answers every query identically, and that only applied/rejected decisions append.
    static func run(seed: UInt64, enforcement: Bool, checkEachStep: Bool = true, commandCount: Int = commandCount)
        -> Run
    {
        var generator = CommandStreamGenerator(seed: seed)
        var harness = BillingHarness(enforcement: enforcement, clock: generator.clock)
        var replay = State(configuration: harness.state.configuration)
        var model = ReferenceModel(enforcement: enforcement)
        var results: [JSONValue] = []
        for index in 0..<commandCount {
            let (command, clock) = generator.next()
            harness.clock = clock
            let logCountBefore = harness.log.count
            let seqBefore = harness.nextSeq
            let time = max(command.at ?? clock, harness.state.lastRecordTime ?? command.at ?? clock)
            let result = harness.apply(command)
            results.append(result)
            let (expected, expectedRecords) = model.apply(command, time: time)
            if expected.status == "invalid" {
                #expect(
                    result.status == "invalid" && result["field"] == expected["field"],
                    "seed \(seed) #\(index): \(result.rendered) vs \(expected.rendered)")
            } else {
                #expect(result.rendered == expected.rendered, "seed \(seed) #\(index): \(command)")
            }
            #expect(harness.log.count - logCountBefore == expectedRecords, "seed \(seed) #\(index)")
            generator.seqCountEstimate = harness.nextSeq - 1
            let appended = harness.log[logCountBefore...]
            switch result.status {
            case "applied", "rejected":
                #expect(result.seq == seqBefore, "seed \(seed) #\(index)")
                #expect(!appended.isEmpty && appended.count <= 2, "seed \(seed) #\(index)")
            case "duplicate", "invalid":
                #expect(appended.isEmpty, "seed \(seed) #\(index): \(result.rendered)")
            default:
                Issue.record("seed \(seed) #\(index): unexpected status \(result.rendered)")
            }
            for entry in appended {
                let record = try! LedgerRecord.decode(typeTag: entry.typeTag, body: entry.body).get()
                #expect(record.encodedBody == entry.body)
                fold(&replay, record, seq: entry.seq, time: entry.time)
            }
            guard checkEachStep || index == commandCount - 1 else { continue }
            #expect(harness.state.invariantViolations().isEmpty, "seed \(seed) #\(index)")
            #expect(replay.balancesJSON() == harness.state.balancesJSON(), "seed \(seed) #\(index)")
            #expect(replay.settingsJSON() == harness.state.settingsJSON(), "seed \(seed) #\(index)")
            #expect(model.balancesJSON() == harness.state.balancesJSON(), "seed \(seed) #\(index)")
            #expect(model.settingsJSON() == harness.state.settingsJSON(), "seed \(seed) #\(index)")
            for user in CommandStreamGenerator.users {
                for offset in [0, 3 * Timestamp.millisecondsPerHour, 50 * Timestamp.millisecondsPerHour] {
                    let at = clock.adding(milliseconds: offset)
                    let live = harness.state.enforcementJSON(userID: user, at: at)
                    #expect(replay.enforcementJSON(userID: user, at: at) == live, "seed \(seed) #\(index) \(user)")
                    #expect(model.stateJSON(user, at: at) == live, "seed \(seed) #\(index) \(user)")
                }
            }
        }
        return Run(harness: harness, results: results)
    }

    @Test(arguments: 0..<32 as Range<UInt64>)
    func replayMatchesLiveAndVerifies(seed: UInt64) {
        let run = Self.run(seed: seed, enforcement: seed % 2 == 1)
        let violations = run.harness.verify()
        #expect(violations.isEmpty, "seed \(seed): \(violations.map(\.json.rendered))")
        // The stream exercised the rules (a weak guard against a generator that stopped generating).
        let statuses = Set(run.results.compactMap(\.status))
        #expect(statuses.isSuperset(of: ["applied", "rejected", "invalid"]), "seed \(seed)")
    }

    /// The same commands into fresh states give byte-identical logs and identical results.
    @Test(arguments: [3, 17] as [UInt64])
    func deterministic(seed: UInt64) {
        let first = Self.run(seed: seed, enforcement: false, checkEachStep: false)
        let second = Self.run(seed: seed, enforcement: false, checkEachStep: false)
        #expect(first.harness.log.map(\.body) == second.harness.log.map(\.body))
        #expect(first.harness.log.map(\.time) == second.harness.log.map(\.time))
        #expect(first.results.map(\.rendered) == second.results.map(\.rendered))
    }

    /// A changed charged amount is reported with its seq.
    @Test(arguments: 0..<8 as Range<UInt64>)
    func tamperedChargeIsReported(seed: UInt64) {
        let run = Self.run(seed: seed, enforcement: false, checkEachStep: false)
        var log = run.harness.log
        guard
            let index = log.firstIndex(where: {
                if case .debit(let record) = try! LedgerRecord.decode(typeTag: $0.typeTag, body: $0.body).get(),
                    case .charged = record.outcome
                {
                    return true
                }
                return false
            })
        else {
            Issue.record("seed \(seed): no charged debit")
            return
        }
        guard
            case .debit(var record) = try! LedgerRecord.decode(typeTag: log[index].typeTag, body: log[index].body).get(),
            case .charged(let charged, let warned, let anomaly) = record.outcome
        else { return }
        record.outcome = .charged(Millicredits(rawValue: charged.rawValue + 1), warned: warned, anomaly: anomaly)
        log[index].body = LedgerRecord.debit(record).encodedBody
        let violations = run.harness.verify(log: log)
        #expect(violations.contains { $0.seq == log[index].seq && $0.invariant == "decision_replays" }, "seed \(seed)")
    }
}
