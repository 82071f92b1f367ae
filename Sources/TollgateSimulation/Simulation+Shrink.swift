/// Delta debugging (Zeller's ddmin) over a failing run's command list: the smallest trace that still fails with
/// the same seed (the seed still sets the disk's faults and the crash schedule).
extension Simulation {
    /// Returns the shrunk command list and its failure; stops after `runCountMax` simulation runs.
    package static func shrink(
        seed: UInt64, commands: [String], runCountMax: Int = 400, syncsPersistNothing: Bool = false
    ) -> (
        commands: [String], failure: String?
    ) {
        var runCount = 0
        func failure(_ candidate: [String]) -> String? {
            runCount += 1
            return Simulation(seed: seed, commands: candidate, syncsPersistNothing: syncsPersistNothing).run().failure
        }
        var current = commands
        var currentFailure = failure(current)
        guard currentFailure != nil else { return (current, nil) }
        var granularity = 2
        while current.count >= 2, runCount < runCountMax {
            let chunkSize = (current.count + granularity - 1) / granularity
            var reduced = false
            var start = 0
            while start < current.count, runCount < runCountMax {
                var complement = current
                complement.removeSubrange(start..<min(start + chunkSize, current.count))
                if let found = failure(complement) {
                    current = complement
                    currentFailure = found
                    granularity = max(granularity - 1, 2)
                    reduced = true
                    break
                }
                start += chunkSize
            }
            if !reduced {
                if granularity >= current.count { break }
                granularity = min(granularity * 2, current.count)
            }
        }
        return (current, currentFailure)
    }
}
