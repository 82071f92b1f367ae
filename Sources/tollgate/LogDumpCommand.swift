import ArgumentParser
import TollgateLog

#if canImport(Glibc)
    import Glibc
#endif

/// `tollgate log dump`: one line per record (seq, time, type, body size, checksum), like `kafka-dump-log`.
struct LogDumpCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dump", abstract: "Print one line per record: seq, time, type, body size, checksum.")

    @OptionGroup var dataOptions: DataOptions
    @Option(name: .long, help: "First seq to print.") var fromSeq: UInt64 = 1
    @Option(name: .long, help: "Print at most this many records.") var limit: UInt64?
    @ArgumentParser.Flag(name: .long, help: "Print JSON lines.") var json = false

    func run() throws {
        var reader: LogReader
        do { reader = try LogReader(directory: dataOptions.data, fromSeq: fromSeq) } catch {
            StandardStreams.error("tollgate log dump: \(error)")
            throw ExitCode(1)
        }
        var printedCount: UInt64 = 0
        do {
            while limit.map({ printedCount < $0 }) ?? true, let record = try reader.next() {
                if json {
                    print(
                        "{\"seq\":\(record.seq),\"timeMs\":\(record.timeMs),\"type\":\(record.type),"
                            + "\"bodySizeBytes\":\(record.body.count),\"checksum\":\"\(JSONText.hex32(record.checksum))\"}"
                    )
                } else {
                    print(
                        "seq=\(record.seq) timeMs=\(record.timeMs) type=\(record.type) bodySizeBytes=\(record.body.count) "
                            + "checksum=\(JSONText.hex32(record.checksum))")
                }
                printedCount += 1
            }
        } catch {
            StandardStreams.error("tollgate log dump: \(error)")
            throw ExitCode(1)
        }
        if let torn = reader.tornTail {
            StandardStreams.error(
                "tollgate log dump: torn tail in \(torn.file) at byte \(torn.offset) (\(torn.sizeBytes) bytes, seq \(torn.seq)): \(torn.reason)"
            )
        }
    }
}
