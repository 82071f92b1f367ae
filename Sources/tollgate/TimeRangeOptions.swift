import ArgumentParser
import TollgateBilling

/// `--from T` (inclusive) and `--to T` (exclusive), RFC 3339 UTC, shared by the queries over a time range.
struct TimeRangeOptions: ParsableArguments {
    @Option(name: .long, help: "Only records at or after this RFC 3339 UTC time (inclusive).")
    var from: String?

    @Option(name: .long, help: "Only records before this RFC 3339 UTC time (exclusive).")
    var to: String?

    var fromTime: Timestamp? { from.flatMap { Timestamp(rfc3339: $0) } }
    var toTime: Timestamp? { to.flatMap { Timestamp(rfc3339: $0) } }

    func validate() throws {
        for (name, value) in [("--from", from), ("--to", to)] {
            if let value, Timestamp(rfc3339: value) == nil {
                throw ValidationError("\(name) must be an RFC 3339 UTC time like 2026-03-01T00:00:00Z, got `\(value)`")
            }
        }
        if let fromTime, let toTime, toTime < fromTime {
            throw ValidationError("--to must not be before --from")
        }
    }
}
