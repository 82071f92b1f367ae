/// What the simulated disk did: operations seen and faults injected, by kind.
package struct DiskStatistics: Sendable {
    package var writes = 0
    package var reads = 0
    package var syncs = 0
    package var powerLosses = 0
    /// Unsynced writes (and truncates) dropped by a power loss.
    package var unsyncedWritesLost = 0
    /// Power losses whose kept unsynced writes were not a prefix of the written ones.
    package var reorderedPowerLosses = 0
    /// Writes torn at a random byte: by a power loss, or cut short by an error.
    package var tornWrites = 0
    package var writeBitFlips = 0
    package var readBitFlips = 0
    package var misdirectedWrites = 0
    package var diskFullErrors = 0
    package var writeIOErrors = 0
    package var syncIOErrors = 0
    /// Silent corruptions (bit flips, misdirected writes) undone by ``SimulatedDisk/repair()`` after detection.
    package var repairs = 0

    package init() {}

    package mutating func add(_ other: DiskStatistics) {
        writes += other.writes
        reads += other.reads
        syncs += other.syncs
        powerLosses += other.powerLosses
        unsyncedWritesLost += other.unsyncedWritesLost
        reorderedPowerLosses += other.reorderedPowerLosses
        tornWrites += other.tornWrites
        writeBitFlips += other.writeBitFlips
        readBitFlips += other.readBitFlips
        misdirectedWrites += other.misdirectedWrites
        diskFullErrors += other.diskFullErrors
        writeIOErrors += other.writeIOErrors
        syncIOErrors += other.syncIOErrors
        repairs += other.repairs
    }
}
