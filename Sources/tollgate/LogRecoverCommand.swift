import ArgumentParser
import TollgateLog

/// `tollgate log recover`: opens the log for writing (which recovers it) and prints what recovery did.
struct LogRecoverCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recover",
        abstract: "Open the log, truncating a torn tail; with --recover=truncate-after-last-good also cut corruption.")

    enum Mode: String, ExpressibleByArgument {
        case strict
        case truncateAfterLastGood = "truncate-after-last-good"
    }

    @OptionGroup var dataOptions: DataOptions
    @OptionGroup var segmentOptions: SegmentOptions
    @Option(name: .long, help: "strict (default) or truncate-after-last-good.") var recover: Mode = .strict

    func run() throws {
        let configuration = LogConfiguration(
            segmentSizeBytes: segmentOptions.segmentBytes,
            recovery: recover == .strict ? .strict : .truncateAfterLastGood)
        do {
            let log = try Log.open(directory: dataOptions.data, configuration: configuration)
            print("recovered: next seq \(log.nextSeq); \(log.recoveryReport)")
            try log.close()
        } catch {
            StandardStreams.error("tollgate log recover: \(error)")
            throw ExitCode(1)
        }
    }
}

/// `--segment-bytes`, on every command that writes to the log.
struct SegmentOptions: ParsableArguments {
    @Option(name: .long, help: "Roll and seal segments at this size.") var segmentBytes: UInt64 = 64 << 20
}
