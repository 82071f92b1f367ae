import ArgumentParser
import TollgateBilling
import TollgateEngine

/// `tollgate audit --data DIR --initiated-by X [--from T] [--to T] [--limit N] [--order newest|oldest] [--json]`:
/// every record made by X (grants, refunds, flags, plans, subscriptions, overrides, suspensions, limits).
struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "Print every record made by one initiator (initiated_by).")

    @OptionGroup var dataOptions: DataOptions
    @Option(name: .customLong("initiated-by"), help: "The initiator, exactly as recorded (e.g. admin@acme, system).")
    var initiatedBy: String
    @OptionGroup var range: TimeRangeOptions
    @Option(name: .long, help: "At most this many records (1–\(AuditQuery.limitMax)).")
    var limit: Int = AuditQuery.limitDefault
    @Option(name: .long, help: "newest (default) or oldest first.") var order: String = "newest"
    @ArgumentParser.Flag(name: .customLong("no-index"), help: "Scan every segment; ignore the audit index.")
    var noIndex = false
    @ArgumentParser.Flag(name: .long, help: "Print JSON.") var json = false

    func validate() throws {
        guard (1...AuditQuery.limitMax).contains(limit) else {
            throw ValidationError("--limit must be between 1 and \(AuditQuery.limitMax)")
        }
        guard AuditQuery.Order(rawValue: order) != nil else {
            throw ValidationError("--order must be newest or oldest, got `\(order)`")
        }
    }

    func run() throws {
        let query = AuditQuery(
            initiatedBy: initiatedBy, from: range.fromTime, to: range.toTime, limit: limit,
            order: AuditQuery.Order(rawValue: order)!)
        let result = try Scan.run("audit") { progress throws(EngineError) in
            if noIndex { return try query.run(directory: dataOptions.data, progress: progress) }
            let (result, use) = try query.runIndexed(directory: dataOptions.data)
            for warning in use.warnings { StandardStreams.error("tollgate: warning: audit index \(warning)") }
            return result
        }
        if json {
            StandardStreams.write(result.json(initiatedBy: initiatedBy).rendered + "\n")
            return
        }
        var table = TextTable([
            ("seq", .right), ("time", .left), ("type", .left), ("user", .left), ("status", .left), ("details", .left),
        ])
        for entry in result.entries {
            table.append([
                String(entry.seq), entry.time.rfc3339, entry.record.typeName, entry.record.userID ?? "-",
                entry.record.outcomeLabel == "applied" ? "applied" : entry.record.outcomeLabel,
                Self.details(entry.record),
            ])
        }
        var text = table.rendered
        if result.truncated { text += "more records match: raise --limit or narrow --from/--to\n" }
        StandardStreams.write(text)
    }

    /// The fields other than the user and initiator, as `key=value`.
    static func details(_ record: LedgerRecord) -> String {
        guard case .object(let members) = record.fieldsJSON else { return "" }
        return members.filter { !["user_id", "initiated_by", "status", "code"].contains($0.0) && $0.1 != .null }
            .map { key, value in
                if case .string(let text) = value { return "\(key)=\(text)" }
                if case .amount(let amount) = value { return "\(key)=\(amount.formatted)" }
                return "\(key)=\(value.rendered)"
            }
            .joined(separator: " ")
    }
}
