import ArgumentParser
import TollgateLog

#if canImport(Glibc)
    import Glibc
#endif

/// `tollgate log crash-writer` (hidden): appends random batches forever and prints `seq checksum` for each record
/// on its own line after its append returned (so after it was durable). `tools/crash-test` kills it with SIGKILL and checks that every
/// printed seq survived.
struct LogCrashWriterCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crash-writer", abstract: "Append random batches forever (crash test).", shouldDisplay: false)

    @OptionGroup var dataOptions: DataOptions
    @OptionGroup var segmentOptions: SegmentOptions
    @Option(name: .long, help: "PRNG seed.") var seed: UInt64 = 1
    @Option(name: .long, help: "Most records per append.") var batchRecordCountMax: Int = 64
    @Option(name: .long, help: "Stop after this many records (default: never).") var recordCountMax: UInt64?

    func run() throws {
        var random = SplitMix64(seed: seed)
        let log: Log
        do {
            log = try Log.open(
                directory: dataOptions.data,
                configuration: LogConfiguration(segmentSizeBytes: segmentOptions.segmentBytes))
        } catch {
            StandardStreams.error("crash-writer: \(error)")
            throw ExitCode(1)
        }
        if !log.recoveryReport.isClean { StandardStreams.error("crash-writer: recovery: \(log.recoveryReport)") }
        var timeMs = max(log.lastTimeMs ?? 0, 1_700_000_000_000)
        var writtenCount: UInt64 = 0
        var line: [UInt8] = []
        while recordCountMax.map({ writtenCount < $0 }) ?? true {
            let count = 1 + Int(random.next() % UInt64(max(1, batchRecordCountMax)))
            var records: [RecordInput] = []
            records.reserveCapacity(count)
            for _ in 0..<count {
                timeMs += Int64(random.next() % 3)
                let size = 8 + Int(random.next() % 73)
                var body = [UInt8](repeating: 0, count: size)
                for i in 0..<size { body[i] = UInt8(truncatingIfNeeded: random.next()) }
                records.append(
                    RecordInput(timeMs: timeMs, type: UInt8(truncatingIfNeeded: random.next() % 8), body: body))
            }
            let firstSeq: UInt64
            do { firstSeq = try log.append(records) } catch {
                StandardStreams.error("crash-writer: append failed: \(error)")
                throw ExitCode(1)
            }
            line.removeAll(keepingCapacity: true)
            for (i, record) in records.enumerated() {
                let seq = firstSeq + UInt64(i)
                let checksum = LogRecord(seq: seq, input: record).checksum
                line.append(contentsOf: "\(seq) \(JSONText.hex32(checksum))\n".utf8)
            }
            line.withUnsafeBytes { raw in
                var done = 0
                while done < raw.count {
                    let n = write(1, raw.baseAddress! + done, raw.count - done)
                    if n <= 0 { Glibc.exit(2) }
                    done += n
                }
            }
            writtenCount += UInt64(count)
        }
        try log.close()
    }
}

/// swift-argument-parser's `Examples/roll/SplitMix64.swift`.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z &>> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z &>> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z &>> 31)
    }
}
