/// How often the simulated disk misbehaves, per call of the operation named (in millionths), and how a power loss
/// treats writes that were not yet synced. One seed picks every rate (``FaultRates/init(seed:)``).
package struct FaultRates: Sendable, CustomStringConvertible {
    /// A bit of the bytes written flips on the medium (silent; only checksums can tell).
    package var writeBitFlipPerMillion = 0
    /// A bit of the bytes returned by a read flips (transient: the medium is fine).
    package var readBitFlipPerMillion = 0
    /// A write lands at another offset of the file (silent); the intended range keeps its old bytes.
    package var misdirectedWritePerMillion = 0
    /// A write stores a random prefix, then fails with `ENOSPC`.
    package var diskFullPerMillion = 0
    /// A write stores a random prefix, then fails with `EIO`.
    package var writeIOErrorPerMillion = 0
    /// `fsync`/`fdatasync`/directory sync fails with `EIO` (nothing becomes durable).
    package var syncIOErrorPerMillion = 0
    /// At a power loss, the unsynced writes of a file are kept as a random subset (reordered) rather than a prefix.
    package var reorderPercent = 0
    /// At a power loss, a kept unsynced write is torn at a random byte.
    package var tearPercent = 0

    package init() {}

    /// Rates picked by `seed`: each fault is on (at a rate around its base) or off, so seeds cover single faults
    /// and mixtures.
    package init(seed: UInt64) {
        var random = SplitMix64(seed: seed ^ 0xFA17_FA17_FA17_FA17)
        func pick(_ basePerMillion: Int) -> Int {
            random.chance(percent: 70) ? basePerMillion / 2 + random.below(basePerMillion + 1) : 0
        }
        writeBitFlipPerMillion = pick(10_000)
        readBitFlipPerMillion = pick(400)
        misdirectedWritePerMillion = pick(5_000)
        diskFullPerMillion = pick(10_000)
        writeIOErrorPerMillion = pick(10_000)
        syncIOErrorPerMillion = pick(10_000)
        reorderPercent = random.chance(percent: 70) ? 20 + random.below(60) : 0
        tearPercent = random.chance(percent: 70) ? 20 + random.below(60) : 0
    }

    /// No faults at all (the reference model's disk, and the checker's view).
    package static let none = FaultRates()

    package var description: String {
        "write-flip \(writeBitFlipPerMillion) read-flip \(readBitFlipPerMillion) misdirect \(misdirectedWritePerMillion) "
            + "enospc \(diskFullPerMillion) write-eio \(writeIOErrorPerMillion) sync-eio \(syncIOErrorPerMillion) "
            + "(per million calls), reorder \(reorderPercent)%, tear \(tearPercent)%"
    }
}
