import ArgumentParser
import TollgateBilling
import TollgateEngine

#if canImport(Glibc)
import Glibc
#endif

/// `tollgate whatif --data DIR --set FLAG=VALUE ... [--credit-enforcement-enabled true|false] [--json]`: re-decide
/// every recorded command under candidate flag values, writing nothing, and report what would change.
struct WhatIfCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "whatif",
        abstract: "Re-decide the recorded commands under candidate flags (nothing is written); report what changes.")

    @OptionGroup var dataOptions: DataOptions
    @OptionGroup var billingOptions: BillingOptions
    @Option(
        name: .customLong("set"),
        help: "A candidate flag value, held fixed for the whole run, e.g. credit_enforcement_enabled=true, billing_rollout_percentage=50, daily_cap=100, billing_allowlist='[\"a\",\"b\"]'. Repeatable."
    )
    var settings: [String] = []
    @Option(
        name: .customLong("plan-file"),
        help: "Candidate plans: define_plan commands as JSON lines (as for apply); each replaces the recorded plan of its plan_id for the whole run."
    )
    var planFile: String?
    @ArgumentParser.Flag(name: .long, help: "Print JSON.") var json = false

    /// Parses `FLAG=VALUE` through the same parser as a `set_flag` command, so a candidate obeys the input
    /// grammar exactly. VALUE is JSON (`true`, `50`, `"12.5"`, `["a"]`); anything that is not JSON is taken as a
    /// string (`daily_cap=12.5` works like `daily_cap="12.5"`).
    static func flagValue(_ setting: String) throws -> FlagValue {
        guard let equals = setting.firstIndex(of: "="), equals != setting.startIndex else {
            throw ValidationError("--set takes FLAG=VALUE, got `\(setting)`")
        }
        let flag = String(setting[..<equals])
        let value = String(setting[setting.index(after: equals)...])
        guard Flag(rawValue: flag) != nil else {
            throw ValidationError(
                "--set: unknown flag `\(flag)` (one of \(Flag.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        func parse(_ valueJSON: String) -> Result<Command, InvalidRequest> {
            let line = #"{"op":"set_flag","flag":"# + JSONText.string(flag) + #","value":"# + valueJSON
                + #","initiated_by":"whatif"}"#
            return CommandParser.parse(Array(line.utf8))
        }
        var result = parse(value)
        if case .failure = result, case .success(let command) = parse(JSONText.string(value)) {
            result = .success(command)  // Not JSON: the value as a string. Otherwise the first error is the one.
        }
        switch result {
        case .success(.setFlag(let command)): return command.value
        case .success: throw ValidationError("--set `\(setting)` is not a flag value")
        case .failure(let invalid): throw ValidationError("--set `\(setting)`: \(invalid.message)")
        }
    }

    /// Reads a plan file: every non-blank line must be a valid `define_plan` command; each `plan_id` once.
    static func plans(file: String) throws -> [Command.DefinePlan] {
        let descriptor = open(file, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            StandardStreams.error("tollgate: error: cannot open \(file): \(String(cString: strerror(errno)))")
            throw ExitCode.failure
        }
        defer { close(descriptor) }
        var reader = LineReader(descriptor: descriptor)
        var plans: [Command.DefinePlan] = []
        var lineNumber = 0
        while let lines = try reader.nextChunk(lineCountMax: 4096) {
            for line in lines {
                lineNumber += 1
                guard case .text(let bytes) = line else {
                    throw ValidationError("--plan-file \(file) line \(lineNumber): line too long")
                }
                if bytes.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") || $0 == UInt8(ascii: "\r") }) {
                    continue
                }
                switch CommandParser.parse(bytes) {
                case .success(.definePlan(var plan)):
                    guard !plans.contains(where: { $0.planID == plan.planID }) else {
                        throw ValidationError("--plan-file \(file) line \(lineNumber): plan \(plan.planID) given twice")
                    }
                    plan.at = nil
                    plans.append(plan)
                case .success:
                    throw ValidationError("--plan-file \(file) line \(lineNumber): not a define_plan command")
                case .failure(let invalid):
                    throw ValidationError("--plan-file \(file) line \(lineNumber): \(invalid.message)")
                }
            }
        }
        return plans
    }

    /// A flag value as typed on the command line (amounts without quotes).
    static func text(_ value: FlagValue) -> String {
        if case .amount(let amount) = value.json { return amount.formatted }
        return value.json.rendered
    }

    func validate() throws {
        if let planFile { _ = try Self.plans(file: planFile) }
        var seen: Set<String> = []
        for setting in settings {
            let value = try Self.flagValue(setting)
            guard seen.insert(value.flag.rawValue).inserted else {
                throw ValidationError("--set names \(value.flag.rawValue) twice")
            }
        }
    }

    func run() throws {
        let candidates = try settings.map(Self.flagValue)
        let plans = try planFile.map(Self.plans(file:)) ?? []
        let whatIf = WhatIf(billing: try billingOptions.configuration(), candidateFlags: candidates, candidatePlans: plans)
        let report = try Scan.run("whatif") { progress throws(EngineError) in
            try whatIf.run(directory: dataOptions.data, progress: progress)
        }
        if json {
            StandardStreams.write(report.json.rendered + "\n")
            return
        }
        var text = "candidate          "
        text += (["config credit_enforcement_enabled=\(report.configEnforcementEnabled)"]
            + report.candidateFlags.map { "\($0.flag.rawValue)=\(Self.text($0))" }).joined(separator: " ") + "\n"
        text += "records            \(report.recordCount)\n"
        if !report.candidatePlanIDs.isEmpty {
            text += "candidate plans    \(report.candidatePlanIDs.joined(separator: " "))\n"
        }
        text += "ignored flag recs  \(report.ignoredFlagRecordCount)\n"
        text += "ignored plan recs  \(report.ignoredPlanRecordCount)\n"
        text += "decisions flipped  \(report.flipCount)\n"
        text += "charged before     \(Reconciliation.format(report.chargedBefore))\n"
        text += "charged after      \(Reconciliation.format(report.chargedAfter))\n"
        text += "charged delta      \(Reconciliation.format(report.chargedAfter - report.chargedBefore))\n"
        if !report.flips.isEmpty {
            var flips = TextTable([("from", .left), ("to", .left), ("count", .right), ("example seqs", .left)])
            for flip in report.flips {
                flips.append([flip.from, flip.to, String(flip.count), flip.exampleSeqs.map(String.init).joined(separator: " ")])
            }
            text += "\n" + flips.rendered
        }
        if !report.users.isEmpty {
            var users = TextTable([
                ("user", .left), ("charged_before", .right), ("charged_after", .right), ("charged_delta", .right),
                ("balance_before", .right), ("balance_after", .right), ("flips", .right),
            ])
            for user in report.users {
                users.append([
                    user.userID, user.chargedBefore.formatted, user.chargedAfter.formatted, user.chargedDelta.formatted,
                    user.balanceBefore.formatted, user.balanceAfter.formatted, String(user.flipCount),
                ])
            }
            text += "\n" + users.rendered
        }
        StandardStreams.write(text)
    }
}
