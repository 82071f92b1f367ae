import ArgumentParser
import TollgateBilling
import TollgateEngine

/// `tollgate readiness --data DIR [--at TIME] [--json]`: the enforcement-rollout gates, computed read-only from
/// the log. Exit status 0 when every gate passes, 1 when one fails (like `replay --verify`), so a rollout script
/// can stop on it; 1 with a `tollgate: error:` line when the log cannot be read.
struct ReadinessCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "readiness",
        abstract: "Report the enforcement-rollout gates from the log; exit 1 when one fails.")

    @OptionGroup var dataOptions: DataOptions
    @OptionGroup var billingOptions: BillingOptions
    @Option(name: .long, help: "Evaluate at this RFC 3339 UTC time (default: now).") var at: String?
    @Option(name: .customLong("min-active-users"), help: "Users active in the last 30 days, at least.")
    var minActiveUsers = ReadinessCriteria().activeUsersMin
    @Option(name: .customLong("min-events-per-day"), help: "14-day average of debits and consumes per day, at least.")
    var minEventsPerDay = ReadinessCriteria().eventsPerDayMin
    @Option(name: .customLong("min-consecutive-days"), help: "Consecutive days the events average must hold.")
    var minConsecutiveDays = ReadinessCriteria().consecutiveDaysMin
    @Option(name: .customLong("min-observation-days"), help: "Days with warn-only debits, at least.")
    var minObservationDays = ReadinessCriteria().observationDaysMin
    @Option(name: .customLong("min-purchases"), help: "Applied purchase grants, at least.")
    var minPurchases = ReadinessCriteria().purchasesMin
    @Option(
        name: .customLong("max-rejected-pct"),
        help: "Charge requests that enforcement would newly reject (whatif), in percent, at most.")
    var maxRejectedPct = ReadinessCriteria().rejectedPctMax
    @ArgumentParser.Flag(name: .long, help: "Print JSON.") var json = false

    func validate() throws {
        if let at, Timestamp(rfc3339: at) == nil {
            throw ValidationError("--at must be an RFC 3339 UTC time like 2026-03-01T12:00:00Z, got `\(at)`")
        }
        let criteria = self.criteria
        for (name, keyPath) in ReadinessCriteria.thresholdNames {
            if let problem = ReadinessCriteria.problem(keyPath, value: criteria[keyPath: keyPath]) {
                throw ValidationError("--\(String(name.map { $0 == "_" ? "-" : $0 })) \(problem)")
            }
        }
    }

    var criteria: ReadinessCriteria {
        var criteria = ReadinessCriteria()
        criteria.activeUsersMin = minActiveUsers
        criteria.eventsPerDayMin = minEventsPerDay
        criteria.consecutiveDaysMin = minConsecutiveDays
        criteria.observationDaysMin = minObservationDays
        criteria.purchasesMin = minPurchases
        criteria.rejectedPctMax = maxRejectedPct
        return criteria
    }

    func run() throws {
        let time = at.flatMap { Timestamp(rfc3339: $0) } ?? Clock.system.now()
        let billing = try billingOptions.configuration()
        let criteria = self.criteria
        let report = try Scan.run("readiness") { progress throws(EngineError) in
            try ReadinessReport.compute(
                directory: dataOptions.data, at: time, criteria: criteria, billing: billing, progress: progress)
        }
        if json {
            StandardStreams.write(report.json.rendered + "\n")
        } else {
            var table = TextTable([("gate", .left), ("result", .left), ("value", .right), ("required", .left)])
            for gate in report.gates {
                let value: String
                if case .string(let text) = gate.value { value = text } else { value = gate.value.rendered }
                table.append([gate.name, gate.passed ? "pass" : "FAIL", value, gate.required])
            }
            var text = "at     \(report.at.rfc3339)\nready  \(report.ready ? "yes" : "no")\n\n" + table.rendered
            for gate in report.gates where !gate.details.isEmpty {
                text += "\n\(gate.name): "
                text += gate.details.map { "\($0.0)=\($0.1.rendered)" }.joined(separator: " ")
            }
            StandardStreams.write(text + "\n")
        }
        if !report.ready { throw ExitCode.failure }
    }
}
