import Foundation
import Testing
import TollgateBilling
import TollgateEngine

/// Every operator query, through the engine's API, on the fixture log, against the JSON the CLI recorded in
/// `Fixtures/replay/expected/` (tools/replay-golden runs the same queries through the CLI).
@Suite struct ReplayQueryGoldenTests {
    static let directory = ReplayFixture.logDirectory
    static let billing = ReplayFixture.billing

    static func time(_ text: String) -> Timestamp { Timestamp(rfc3339: text)! }

    /// (expected file, the query's JSON).
    static let cases: [(String, @Sendable () throws -> JSONValue)] = [
        ("transactions-bob", { try TransactionQuery(userID: "bob").run(directory: directory).json }),
        ("transactions-bob-all", { try TransactionQuery(userID: "bob", includeAll: true).run(directory: directory).json }),
        ("transactions-alice-page1", { try TransactionQuery(userID: "alice", limit: 3).run(directory: directory).json }),
        (
            "transactions-alice-page2",
            { try TransactionQuery(userID: "alice", limit: 3, beforeSeq: 5).run(directory: directory).json }
        ),
        ("audit-ops", { try AuditQuery(initiatedBy: "ops@acme").run(directory: directory).json(initiatedBy: "ops@acme") }),
        (
            "audit-support-oldest",
            {
                try AuditQuery(initiatedBy: "support@acme", limit: 2, order: .oldest).run(directory: directory)
                    .json(initiatedBy: "support@acme")
            }
        ),
        (
            "audit-admin-range",
            {
                try AuditQuery(
                    initiatedBy: "admin@acme", from: time("2026-02-27T09:01:00Z"), to: time("2026-03-03T09:00:00Z")
                ).run(directory: directory).json(initiatedBy: "admin@acme")
            }
        ),
        ("audit-system", { try AuditQuery(initiatedBy: "system").run(directory: directory).json(initiatedBy: "system") }),
        ("usage-day", { let q = UsageQuery(); return q.json(try q.run(directory: directory)) }),
        (
            "usage-day-erin",
            {
                let q = UsageQuery(from: time("2026-03-02T00:00:00Z"), userID: "erin")
                return q.json(try q.run(directory: directory))
            }
        ),
        (
            "statement-bob-2026-02",
            { try Statement.load(directory: directory, userID: "bob", month: CalendarMonth("2026-02")!).json }
        ),
        (
            "statement-bob-2026-03",
            { try Statement.load(directory: directory, userID: "bob", month: CalendarMonth("2026-03")!).json }
        ),
        (
            "statement-alice-2026-03",
            { try Statement.load(directory: directory, userID: "alice", month: CalendarMonth("2026-03")!).json }
        ),
        ("reconcile", { try Reconciliation.run(directory: directory, billing: billing).json }),
        ("accounting-2026-02-28", { try JournalDay.load(directory: directory, day: CalendarDay("2026-02-28")!).json }),
        ("accounting-2026-03-02", { try JournalDay.load(directory: directory, day: CalendarDay("2026-03-02")!).json }),
        (
            "whatif-enforcement",
            { try WhatIf(billing: billing, candidateFlags: [.creditEnforcementEnabled(true)]).run(directory: directory).json }
        ),
        (
            "whatif-rollout",
            {
                try WhatIf(billing: billing, candidateFlags: [.billingRolloutPercentage(50), .billingAllowlist([])])
                    .run(directory: directory).json
            }
        ),
        (
            "whatif-caps",
            {
                try WhatIf(billing: billing, candidateFlags: [.dailyCap(.credits(10)), .singleRequestCap(.credits(20))])
                    .run(directory: directory).json
            }
        ),
        (
            "whatif-plan",
            {
                let line = try #require(ReplayFixture.read(ReplayFixture.root + "/whatif-plans.jsonl"))
                guard case .success(.definePlan(var plan)) = CommandParser.parse(Array(line.utf8.dropLast())) else {
                    throw EngineError(.badQuery, "whatif-plans.jsonl is not one define_plan")
                }
                plan.at = nil
                return try WhatIf(billing: billing, candidateFlags: [.creditEnforcementEnabled(true)], candidatePlans: [plan])
                    .run(directory: directory).json
            }
        ),
        ("state-history-alice", { try StateHistory.load(directory: directory, userID: "alice", billing: billing).json }),
        ("state-history-erin", { try StateHistory.load(directory: directory, userID: "erin", billing: billing).json }),
    ]

    @Test(arguments: cases.indices)
    func queryMatchesItsGoldenOutput(index: Int) throws {
        let (name, query) = Self.cases[index]
        let expected = try #require(ReplayFixture.read(ReplayFixture.expectedPath(name + ".json")), "missing \(name).json")
        #expect(try query().rendered + "\n" == expected, "\(name)")
    }

    @Test func tailMatchesItsGoldenOutput() throws {
        for (fromSeq, name) in [(Int64(1), "tail.jsonl"), (45, "tail-from-45.jsonl")] {
            var text = ""
            try LedgerReader.scan(directory: Self.directory, fromSeq: fromSeq) { entry in
                text += entry.json.rendered + "\n"
                return true
            }
            #expect(text == ReplayFixture.read(ReplayFixture.expectedPath(name)), "\(name)")
        }
    }

    /// The fixture log is what `tollgate apply` makes from the committed commands (engine path, same config).
    @Test func theFixtureLogIsTheApplyOfItsCommands() throws {
        let directory = TemporaryDirectory()
        let engine = try Engine(configuration: configuration(directory), clock: fixedClock)
        let input = try #require(ReplayFixture.read(ReplayFixture.root + "/commands.jsonl"))
        let results = try engine.apply(lines: input.split(separator: "\n").map { Array($0.utf8) })
        try engine.close()
        let expected = try #require(ReplayFixture.read(ReplayFixture.expectedPath("apply-results.jsonl")))
        #expect(results.map { $0.rendered + "\n" }.joined() == expected)
        var original: [LedgerEntry] = []
        var rebuilt: [LedgerEntry] = []
        try LedgerReader.scan(directory: Self.directory) { original.append($0); return true }
        try LedgerReader.scan(directory: directory.path) { rebuilt.append($0); return true }
        #expect(original == rebuilt)
    }

    /// Pages chain: walking `next_before_seq` to the end lists every transaction once, newest first.
    @Test func transactionPagesChainWithoutGapsOrRepeats() throws {
        let everything = try TransactionQuery(userID: "erin", limit: TransactionQuery.limitMax).run(directory: Self.directory)
        var walked: [CreditTransaction] = []
        var before: Int64? = nil
        repeat {
            let page = try TransactionQuery(userID: "erin", limit: 2, beforeSeq: before).run(directory: Self.directory)
            walked += page.transactions
            before = page.nextBeforeSeq
        } while before != nil
        #expect(walked == everything.transactions)
        #expect(everything.nextBeforeSeq == nil)
        #expect(walked.count == 9)
    }

    /// The balance after the newest transaction is the folded balance, for every user.
    @Test func balanceAfterAgreesWithTheFold() throws {
        let state = try Projection.load(directory: Self.directory, billing: Self.billing).state
        for (userID, balance) in state.balances() {
            let page = try TransactionQuery(userID: userID, limit: 1).run(directory: Self.directory)
            #expect((page.transactions.first?.balanceAfter ?? .zero) == balance, "\(userID)")
        }
    }

    /// A statement's opening balance is the previous month's closing balance, and closing − opening = net.
    @Test func statementsChainMonthToMonth() throws {
        for userID in ["alice", "bob", "carol", "erin"] {
            var previousClosing = Millicredits.zero
            for month in ["2026-01", "2026-02", "2026-03", "2026-04"] {
                let statement = try Statement.load(
                    directory: Self.directory, userID: userID, month: CalendarMonth(month)!)
                #expect(statement.openingBalance == previousClosing, "\(userID) \(month)")
                #expect(statement.closingBalance.rawValue - statement.openingBalance.rawValue == statement.net.rawValue)
                previousClosing = statement.closingBalance
            }
        }
    }

    /// A what-if with no candidate flags under the recorded config changes nothing.
    @Test func whatIfWithTheRecordedRulesFlipsNothing() throws {
        let report = try WhatIf(billing: Self.billing, candidateFlags: []).run(directory: Self.directory)
        #expect(report.flips.isEmpty)
        #expect(report.users.isEmpty)
        #expect(report.chargedBefore == report.chargedAfter)
        #expect(report.recordCount == 52)
    }

    /// The full history ends in the transitions the folded state keeps.
    @Test func historyEndsWithTheKeptTransitions() throws {
        for userID in ["alice", "bob", "erin"] {
            let history = try StateHistory.load(directory: Self.directory, userID: userID, billing: Self.billing)
            let kept = history.state.enforcementTransitions(userID: userID)
            #expect(Array(history.transitions.suffix(kept.count)) == kept, "\(userID)")
        }
    }

    @Test func queriesOnAMissingDirectoryFail() {
        #expect(throws: EngineError.self) {
            try TransactionQuery(userID: "a").run(directory: "/nonexistent/tollgate-\(UUID().uuidString)")
        }
    }
}
