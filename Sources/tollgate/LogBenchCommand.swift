import ArgumentParser
import TollgateLog

#if canImport(Glibc)
    import Glibc
#endif

/// `tollgate log bench` (hidden; run through `tools/bench-log`, release build): append throughput with group
/// commit and sealed-scan throughput, printed next to this machine's limits measured in the same run.
struct LogBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Measure log append and scan throughput (release build).", shouldDisplay: false)

    @OptionGroup var dataOptions: DataOptions
    @OptionGroup var segmentOptions: SegmentOptions
    @Option(name: .long, help: "Records to append.") var recordCount: Int = 1_000_000
    @Option(name: .long, help: "Body size of each record.") var bodySizeBytes: Int = 64
    @Option(name: .long, help: "Records per append.") var batchRecordCount: Int = 1000
    @Option(name: .long, help: "Concurrent appenders in the second append run.") var appenderCount: Int = 4
    @Option(name: .long, help: "Zeros written ahead in the active segment (0: off).")
    var preallocateBytes: UInt64 = LogLimits.preallocationStepBytesDefault
    @ArgumentParser.Flag(name: .long, help: "Measure only the machine's limits (for tools/bench).") var limitsOnly = false

    func run() throws {
        let directory = dataOptions.data
        precondition(mkdir(directory, 0o755) == 0 || errno == EEXIST)
        print("# machine limits (measured now)")
        let syncsPerSecond = fdatasyncPerSecond(path: directory + "/bench-fdatasync")
        print("fdatasync of a 4 KiB append: \(n(syncsPerSecond)) /s")
        let writeMBps = sequentialWriteMBps(path: directory + "/bench-seq-write")
        print("sequential write (1 MiB pwrites + fdatasync, 256 MiB): \(n(writeMBps)) MB/s")
        let bodies = makeBodies()
        let lz4 = LZ4Measure.measure(bodies: bodies)
        print("LZ4 block decompression (64 KiB blocks of log-like data): \(n(lz4.decompressMBps)) MB/s")
        if limitsOnly {
            print("LZ4 block compression (64 KiB blocks of log-like data): \(n(lz4.compressMBps)) MB/s")
            print("CRC32C (16 MiB buffer, hardware: \(CRC32C.hardwareAvailable)): \(LZ4Measure.crc32cGBps()) GB/s")
            return
        }

        print("# log")
        let single = try appendRun(directory: directory + "/log-1", bodies: bodies, appenders: 1)
        print(
            "append, 1 appender, \(batchRecordCount)-record batches, group commit: \(n(single.recordsPerSecond)) records/s (\(n(single.mbPerSecond)) MB/s)"
        )
        let concurrent = try appendRun(directory: directory + "/log-n", bodies: bodies, appenders: appenderCount)
        print(
            "append, \(appenderCount) appenders, \(batchRecordCount)-record batches, group commit: \(n(concurrent.recordsPerSecond)) records/s (\(n(concurrent.mbPerSecond)) MB/s)"
        )

        let sealedBytes = sealedSizeBytes(directory + "/log-1")
        var start = now()
        let verification = verifyLog(directory: directory + "/log-1")
        var seconds = now() - start
        precondition(verification.ok && verification.recordCount == UInt64(recordCount))
        let rawBytes = Double(recordCount) * Double(bodySizeBytes + 13)
        print(
            "verify (decompress + check every record): \(n(Double(recordCount) / seconds)) records/s, \(n(rawBytes / seconds / 1e6)) MB/s of raw content"
        )
        start = now()
        var reader = try LogReader(directory: directory + "/log-1")
        var count = 0
        var checksumSum: UInt64 = 0
        while let record = try reader.next() {
            count += 1
            checksumSum &+= UInt64(record.checksum)
        }
        seconds = now() - start
        precondition(count == recordCount)
        print(
            "LogReader scan (records materialized): \(n(Double(count) / seconds)) records/s, \(n(rawBytes / seconds / 1e6)) MB/s of raw content (checksum sum \(checksumSum))"
        )
        let sealedRecordCount = Double(sealedBytes.rawBaseSeq - 1)
        if sealedRecordCount > 0 {
            let bytesPerRecord = Double(Int(10 * Double(sealedBytes.sealedBytes) / sealedRecordCount)) / 10
            print(
                "sealed: \(bytesPerRecord) bytes per record for \(bodySizeBytes)-byte bodies (\(Int(sealedRecordCount)) records in \(sealedBytes.sealedBytes) bytes)"
            )
        }
    }

    private func n(_ value: Double) -> String { String(Int(value.rounded())) }

    private func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    /// Log-like bodies: a counter, a user id from a small set and an amount, padded to the body size.
    private func makeBodies() -> [[UInt8]] {
        var random: UInt64 = 42
        return (0..<4096).map { i in
            random = random &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            var body = Array("{\"user\":\"u\(random % 10_000)\",\"debit\":\((random >> 20) % 100_000),\"n\":\(i)}".utf8)
            while body.count < bodySizeBytes { body.append(0x20) }
            return Array(body.prefix(bodySizeBytes))
        }
    }

    private func appendRun(directory: String, bodies: [[UInt8]], appenders: Int) throws -> (
        recordsPerSecond: Double, mbPerSecond: Double
    ) {
        let log = try Log.open(
            directory: directory,
            configuration: LogConfiguration(
                segmentSizeBytes: segmentOptions.segmentBytes, preallocationStepBytes: preallocateBytes))
        let batchCount = recordCount / batchRecordCount
        let perAppender = batchCount / appenders
        var batches: [[RecordInput]] = []
        for b in 0..<(perAppender * appenders) {
            batches.append(
                (0..<batchRecordCount).map { i in
                    RecordInput(
                        timeMs: 1_700_000_000_000, type: 1, body: bodies[(b * batchRecordCount + i) % bodies.count])
                })
        }
        let start = now()
        if appenders == 1 {
            for batch in batches { try log.append(batch) }
        } else {
            var threads: [pthread_t] = []
            for a in 0..<appenders {
                let work = BenchWork(log: log, batches: Array(batches[(a * perAppender)..<((a + 1) * perAppender)]))
                var thread = pthread_t()
                let context = Unmanaged.passRetained(work).toOpaque()
                precondition(
                    pthread_create(
                        &thread, nil,
                        { raw in
                            let work = Unmanaged<BenchWork>.fromOpaque(raw!).takeRetainedValue()
                            for batch in work.batches { try! work.log.append(batch) }
                            return nil
                        }, context) == 0)
                threads.append(thread)
            }
            for thread in threads { pthread_join(thread, nil) }
        }
        let seconds = now() - start
        try log.close()
        let appended = Double(batches.count * batchRecordCount)
        return (appended / seconds, appended * Double(bodySizeBytes + 13) / seconds / 1e6)
    }

    /// Bytes of sealed segments, and the base seq of the raw (active) segment.
    private func sealedSizeBytes(_ directory: String) -> (sealedBytes: Int, rawBaseSeq: UInt64) {
        var total = 0
        var rawBaseSeq: UInt64 = 1
        guard let dir = opendir(directory) else { return (0, 1) }
        defer { closedir(dir) }
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            var info = stat()
            if name.hasSuffix(".log.lz4"), stat(directory + "/" + name, &info) == 0 { total += Int(info.st_size) }
            if name.hasSuffix(".log"), let base = UInt64(name.prefix(20)) { rawBaseSeq = max(rawBaseSeq, base) }
        }
        return (total, rawBaseSeq)
    }

    private func sequentialWriteMBps(path: String) -> Double {
        let fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0o644)
        precondition(fd >= 0)
        defer {
            close(fd)
            unlink(path)
        }
        let chunk = [UInt8](repeating: 0xAB, count: 1 << 20)
        let start = now()
        for i in 0..<256 { chunk.withUnsafeBytes { _ = pwrite(fd, $0.baseAddress, $0.count, off_t(i << 20)) } }
        fdatasync(fd)
        return 256.0 * 1.048576 / (now() - start)
    }

    private func fdatasyncPerSecond(path: String) -> Double {
        let fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0o644)
        precondition(fd >= 0)
        defer {
            close(fd)
            unlink(path)
        }
        let chunk = [UInt8](repeating: 0xCD, count: 4096)
        let start = now()
        for i in 0..<1000 {
            chunk.withUnsafeBytes { _ = pwrite(fd, $0.baseAddress, $0.count, off_t(i * 4096)) }
            fdatasync(fd)
        }
        return 1000 / (now() - start)
    }
}

private final class BenchWork {
    let log: Log
    let batches: [[RecordInput]]
    init(log: Log, batches: [[RecordInput]]) {
        self.log = log
        self.batches = batches
    }
}
