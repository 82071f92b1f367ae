/// A seeded PRNG (SplitMix64, as in swift-argument-parser's `Examples/roll`) so every simulation is reproducible
/// from its seed.
package struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    package init(seed: UInt64) { state = seed }

    package mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A value in `0..<bound` (`bound` > 0).
    package mutating func below(_ bound: Int) -> Int {
        precondition(bound > 0)
        return Int(next() % UInt64(bound))
    }

    /// True with probability `perMillion` / 1,000,000.
    package mutating func chance(perMillion: Int) -> Bool {
        perMillion > 0 && Int(next() % 1_000_000) < perMillion
    }

    package mutating func chance(percent: Int) -> Bool { Int(next() % 100) < percent }
}
