import ArgumentParser
import TollgateBilling
import TollgateEngine

/// `tollgate usage --data DIR --bucket day [--from T] [--to T] [--user U] [--json]`: debits and consumption per
/// UTC day (what `/admin/usage/summary?bucket=day` shows).
struct UsageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "usage", abstract: "Print debits (count, charged, shadow, free, rejected by code) and consumption per UTC day.")

    @OptionGroup var dataOptions: DataOptions
    @Option(name: .long, help: "The bucket size; only `day` (UTC) is supported.") var bucket: String = "day"
    @OptionGroup var range: TimeRangeOptions
    @Option(name: .long, help: "Only this user's records.") var user: String?
    @ArgumentParser.Flag(name: .long, help: "Print JSON.") var json = false

    func validate() throws {
        guard bucket == "day" else { throw ValidationError("--bucket must be `day`, got `\(bucket)`") }
    }

    func run() throws {
        let query = UsageQuery(from: range.fromTime, to: range.toTime, userID: user)
        let days = try Scan.run("usage") { progress throws(EngineError) in
            try query.run(directory: dataOptions.data, progress: progress)
        }
        if json {
            StandardStreams.write(query.json(days).rendered + "\n")
            return
        }
        var table = TextTable([
            ("day", .left), ("debits", .right), ("charged_n", .right), ("charged", .right), ("warned", .right),
            ("shadow_n", .right), ("shadow", .right), ("free_n", .right), ("free", .right), ("rejected", .left),
        ])
        var consumption = TextTable([
            ("day", .left), ("entitlement", .left), ("quantity", .right), ("within_limit", .right), ("grace", .right),
            ("warned", .right), ("rejected", .right),
        ])
        for day in days {
            let rejected = day.rejectedByCode.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
            table.append([
                day.date, String(day.debitCount), String(day.chargedCount), day.charged.formatted,
                String(day.warnedCount), String(day.shadowCount), day.shadow.formatted, String(day.freeCount),
                day.free.formatted, rejected.isEmpty ? "-" : rejected.joined(separator: " "),
            ])
            for (key, usage) in day.entitlements.sorted(by: { $0.key < $1.key }) {
                consumption.append([
                    day.date, key, String(usage.quantity), String(usage.withinLimitCount), String(usage.graceCount),
                    String(usage.warnedCount), String(usage.rejectedCount),
                ])
            }
        }
        var text = table.rendered
        if !consumption.rows.isEmpty { text += "\n" + consumption.rendered }
        StandardStreams.write(text)
    }
}
