import Testing

@testable import TollgateBilling

/// `State.snapshotBytes()` / `State.decodeSnapshot`: a decoded state behaves exactly like the original (same
/// decisions, results and records for every next command), the encoding is canonical, and garbage never traps.
@Suite struct StateSnapshotTests {
    /// Runs a random stream, cutting it at `cut`: from there on, the original state and its decoded snapshot must
    /// decide every command identically (result JSON and record bytes) and fold to equal bytes.
    @Test(arguments: 0..<48 as Range<UInt64>)
    func decodedStateDecidesLikeTheOriginal(seed: UInt64) throws {
        var generator = CommandStreamGenerator(seed: seed)
        var original = BillingHarness(enforcement: seed % 3 == 0)
        let cut = 50 + Int(seed % 7) * 40
        for _ in 0..<cut {
            let (command, clock) = generator.next()
            original.clock = clock
            original.apply(command)
        }
        let bytes = original.state.snapshotBytes()
        let decoded = try State.decodeSnapshot(bytes).get()
        #expect(decoded.snapshotBytes() == bytes)
        #expect(decoded.invariantViolations().isEmpty)
        #expect(decoded.balancesJSON().rendered == original.state.balancesJSON().rendered)
        #expect(decoded.settingsJSON().rendered == original.state.settingsJSON().rendered)
        #expect(decoded.recordCount == original.state.recordCount)
        #expect(decoded.lastRecordTime == original.state.lastRecordTime)

        var copy = original
        copy.state = decoded
        for step in 0..<200 {
            let (command, clock) = generator.next()
            original.clock = clock
            copy.clock = clock
            let expected = original.apply(command)
            let actual = copy.apply(command)
            #expect(actual.rendered == expected.rendered, "seed \(seed) step \(step)")
        }
        #expect(copy.log.map(\.body) == original.log.map(\.body), "seed \(seed)")
        #expect(copy.state.snapshotBytes() == original.state.snapshotBytes(), "seed \(seed)")
    }

    @Test func emptyStateRoundTrips() throws {
        for enforcement in [false, true] {
            let state = State(configuration: BillingConfiguration(creditEnforcementEnabled: enforcement))
            let decoded = try State.decodeSnapshot(state.snapshotBytes()).get()
            #expect(decoded.configuration == state.configuration)
            #expect(decoded.snapshotBytes() == state.snapshotBytes())
        }
    }

    /// A state with something in every field (from a long stream).
    static func richSnapshot() -> [UInt8] {
        var generator = CommandStreamGenerator(seed: 7)
        var harness = BillingHarness(enforcement: true)
        for _ in 0..<600 {
            let (command, clock) = generator.next()
            harness.clock = clock
            harness.apply(command)
        }
        return harness.state.snapshotBytes()
    }

    @Test func everyTruncationIsRejected() {
        let bytes = Self.richSnapshot()
        for count in 0..<bytes.count {
            if case .success = State.decodeSnapshot(Array(bytes[..<count])) {
                Issue.record("prefix of \(count) of \(bytes.count) bytes decoded")
            }
        }
        if case .success = State.decodeSnapshot(bytes + [0]) { Issue.record("trailing byte accepted") }
    }

    /// Bit flips either fail to decode or decode to a consistent state that re-encodes to the flipped bytes
    /// (the file checksum, not the state decoder, is what catches those); none traps.
    @Test func bitFlipsNeverTrap() {
        let bytes = Self.richSnapshot()
        var random = BillingSplitMix64(seed: 42)
        var rejected = 0
        for _ in 0..<1500 {
            var flipped = bytes
            let index = Int.random(in: 0..<bytes.count, using: &random)
            flipped[index] ^= UInt8(1) << UInt8.random(in: 0..<8, using: &random)
            switch State.decodeSnapshot(flipped) {
            case .failure: rejected += 1
            case .success(let state):
                #expect(state.snapshotBytes() == flipped)
                #expect(state.invariantViolations().isEmpty)
            }
        }
        #expect(rejected > 0)
    }

    @Test(arguments: 0..<64 as Range<UInt64>)
    func garbageNeverTraps(seed: UInt64) {
        var random = BillingSplitMix64(seed: seed)
        let valid = Self.richSnapshot()
        // A valid header followed by garbage reaches the deep decoders; huge counts must not allocate.
        let prefixCount = Int.random(in: 0...min(valid.count, 200), using: &random)
        var bytes = Array(valid[..<prefixCount])
        for _ in 0..<Int.random(in: 0...2000, using: &random) {
            bytes.append(random.chance(20) ? 0xFF : UInt8.random(in: 0...255, using: &random))
        }
        if case .success(let state) = State.decodeSnapshot(bytes) {
            #expect(state.snapshotBytes() == bytes)
        }
    }

    @Test func hugeCountsAreRejectedBeforeAllocating() {
        var bytes = State(configuration: BillingConfiguration()).snapshotBytes()
        // The account count is the 4 bytes after the fixed part; make it UInt32.max.
        let accountCountOffset = bytes.count - 4 * 5
        for index in accountCountOffset..<(accountCountOffset + 4) { bytes[index] = 0xFF }
        guard case .failure(let error) = State.decodeSnapshot(bytes) else {
            Issue.record("accepted")
            return
        }
        #expect(error.message.contains("exceeds the bytes left"))
    }
}

extension BillingSplitMix64 {
    mutating func chance(_ percent: Int) -> Bool { Int.random(in: 0..<100, using: &self) < percent }
}
