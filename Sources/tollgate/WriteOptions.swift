import ArgumentParser
import TollgateLog

/// Options of every command that writes to the log.
struct WriteOptions: ParsableArguments {
    @Option(name: .customLong("segment-bytes"), help: "Roll the active segment at this size in bytes.")
    var segmentBytes: UInt64 = 64 << 20

    @Option(name: .customLong("fsync"), help: "Durability: group (fdatasync per group commit), interval:MS, or none (tests only).")
    var fsync: String = "group"

    @Option(
        name: .customLong("preallocate-bytes"),
        help: "Write zeros this far ahead in the active segment, so a group commit's fdatasync changes no metadata (0: off).")
    var preallocateBytes: UInt64 = LogLimits.preallocationStepBytesDefault

    func logConfiguration() throws -> LogConfiguration {
        guard segmentBytes >= 4096 else { throw ValidationError("--segment-bytes must be at least 4096") }
        guard preallocateBytes <= LogLimits.preallocationStepBytesMax else {
            throw ValidationError("--preallocate-bytes must be at most \(LogLimits.preallocationStepBytesMax)")
        }
        let durability: Durability
        switch fsync {
        case "group": durability = .groupCommit
        case "none": durability = .none
        default:
            guard fsync.hasPrefix("interval:"), let milliseconds = Int64(fsync.dropFirst("interval:".count)),
                milliseconds > 0
            else {
                throw ValidationError("--fsync must be group, none or interval:MS, got `\(fsync)`")
            }
            durability = .interval(milliseconds: milliseconds)
        }
        return LogConfiguration(
            segmentSizeBytes: segmentBytes, durability: durability, preallocationStepBytes: preallocateBytes)
    }
}
