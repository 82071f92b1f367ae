extension Simulation.Report {
    /// Adds another run's counts (for a sweep's totals).
    package mutating func add(_ other: Simulation.Report) {
        commandCount += other.commandCount
        acknowledgedCommandCount += other.acknowledgedCommandCount
        recordCount += other.recordCount
        processKills += other.processKills
        openFailures += other.openFailures
        corruptionsDetectedAtOpen += other.corruptionsDetectedAtOpen
        appendFailures += other.appendFailures
        corruptionsDetectedWhileWriting += other.corruptionsDetectedWhileWriting
        operatorRecoveries += other.operatorRecoveries
        unacknowledgedBatchesKept += other.unacknowledgedBatchesKept
        unacknowledgedBatchesLost += other.unacknowledgedBatchesLost
        checks += other.checks
        disk.add(other.disk)
    }

    /// One line for a seed.
    package var summary: String {
        "\(commandCount) commands, \(acknowledgedCommandCount) acknowledged, \(recordCount) records, "
            + "\(disk.powerLosses) power losses, \(processKills) kills, \(appendFailures) failed appends, "
            + "\(openFailures) failed opens, \(checks) checks" + (failure == nil ? ", ok" : "")
    }

    /// The sweep's figures, one per line (the table of docs/reliability.md).
    package var totalsText: String {
        """
        commands \(commandCount), acknowledged \(acknowledgedCommandCount), records \(recordCount), checks after restart \(checks)
        power losses \(disk.powerLosses), process kills \(processKills), unsynced writes lost \(disk.unsyncedWritesLost), reordered power losses \(disk.reorderedPowerLosses), torn writes \(disk.tornWrites)
        write bit flips \(disk.writeBitFlips), read bit flips \(disk.readBitFlips), misdirected writes \(disk.misdirectedWrites)
        ENOSPC \(disk.diskFullErrors), write EIO \(disk.writeIOErrors), sync EIO \(disk.syncIOErrors) (of \(disk.writes) writes, \(disk.syncs) syncs, \(disk.reads) reads)
        failed appends \(appendFailures) (\(corruptionsDetectedWhileWriting) with a silent corruption on the medium), failed opens \(openFailures)
        corruptions detected at open and repaired \(corruptionsDetectedAtOpen) (repairs \(disk.repairs)), operator truncate recoveries \(operatorRecoveries)
        unacknowledged batches kept \(unacknowledgedBatchesKept), lost \(unacknowledgedBatchesLost); acknowledged lost: 0 unless a seed failed
        """
    }
}
