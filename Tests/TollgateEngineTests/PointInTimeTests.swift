import Testing
import TollgateBilling
import TollgateEngine

/// Point-in-time answers (`replay --until-seq N`, `--until TIME`) equal a fresh apply of the log's prefix: the
/// fixture's commands applied one by one into a new log, compared after each with a bounded fold of the fixture log.
@Suite struct PointInTimeTests {
    static let users = ["alice", "bob", "carol", "dave", "erin", "nobody"]

    /// Everything a query can ask of a state, as one comparable value.
    static func answers(_ state: State) -> [String] {
        let time = state.lastRecordTime ?? Timestamp(millisecondsSinceEpoch: 0)
        return [state.balancesJSON().rendered, state.settingsJSON().rendered, String(state.recordCount)]
            + users.map { state.enforcementJSON(userID: $0, at: time).rendered }
            + users.map { "\(state.enforcementTransitions(userID: $0).map(\.json.rendered))" }
    }

    @Test func everyPrefixEqualsAFreshApply() throws {
        let directory = TemporaryDirectory()
        let engine = try Engine(configuration: configuration(directory), clock: fixedClock)
        let lines = try #require(ReplayFixture.read(ReplayFixture.root + "/commands.jsonl")).split(separator: "\n")
        var checked = 0
        for line in lines {
            _ = try engine.apply(lines: [Array(line.utf8)])
            let lastSeq = engine.nextSeq - 1
            let bounded = try Projection.load(
                directory: ReplayFixture.logDirectory, billing: ReplayFixture.billing, until: .seq(lastSeq))
            #expect(bounded.nextSeq == engine.nextSeq)
            #expect(Self.answers(bounded.state) == Self.answers(engine.state), "after seq \(lastSeq)")
            let verified = Replay.verify(
                directory: ReplayFixture.logDirectory, billing: ReplayFixture.billing, until: .seq(lastSeq))
            #expect(verified.ok && verified.recordCount == lastSeq, "\(verified.violations)")
            #expect(Self.answers(verified.state) == Self.answers(engine.state), "verified, after seq \(lastSeq)")
            if let time = engine.state.lastRecordTime {
                // --until TIME: every record at or before the time (the same prefix: times here are distinct).
                let byTime = try Projection.load(
                    directory: ReplayFixture.logDirectory, billing: ReplayFixture.billing, until: .time(time))
                #expect(Self.answers(byTime.state) == Self.answers(engine.state), "until \(time.rfc3339)")
            }
            checked += 1
        }
        try engine.close()
        #expect(checked == 51)
    }
}
