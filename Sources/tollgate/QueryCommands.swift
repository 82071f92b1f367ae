import ArgumentParser
import TollgateBilling
import TollgateEngine

/// `tollgate balances --data DIR [--json]`: every user with a ledger record and the total liability.
struct BalancesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "balances", abstract: "Print every user's balance and the total outstanding liability.")

    @OptionGroup var dataOptions: DataOptions
    @OptionGroup var billingOptions: BillingOptions
    @ArgumentParser.Flag(name: .long, help: "Print JSON.") var json = false

    func run() throws {
        let state = try loadState(dataOptions, billingOptions)
        if json {
            StandardStreams.write(state.balancesJSON().rendered + "\n")
            return
        }
        var text = pad("user", 32) + "  balance\n"
        for entry in state.balances() {
            text += pad(entry.userID, 32) + "  " + entry.balance.formatted + "\n"
        }
        text += pad("liability", 32) + "  " + state.liability.formatted + "\n"
        StandardStreams.write(text)
    }
}

/// `tollgate settings --data DIR [--json]`: the effective enforcement setting and where it comes from.
struct SettingsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "settings", abstract: "Print the effective enforcement setting and its source.")

    @OptionGroup var dataOptions: DataOptions
    @OptionGroup var billingOptions: BillingOptions
    @ArgumentParser.Flag(name: .long, help: "Print JSON.") var json = false

    func run() throws {
        let state = try loadState(dataOptions, billingOptions)
        let settings = state.settingsJSON()
        if json {
            StandardStreams.write(settings.rendered + "\n")
        } else {
            StandardStreams.write(
                "enforcement_enabled  \(settings["enforcement_enabled"]?.rendered ?? "?")\n"
                    + "enforcement_source   \(settings["enforcement_source"]?.rendered ?? "?")\n")
        }
    }
}

/// `tollgate state --data DIR --user U [--at TIME] [--json]`: a user's enforcement state at a time
/// (default: the time of the last record).
struct StateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "state", abstract: "Print a user's enforcement state (ACTIVE/WARN/GRACE/DEGRADED/SUSPENDED).")

    @OptionGroup var dataOptions: DataOptions
    @OptionGroup var billingOptions: BillingOptions
    @Option(name: .long, help: "The user id.") var user: String
    @Option(name: .long, help: "Evaluate at this RFC 3339 UTC time (default: the last record's time).") var at: String?
    @ArgumentParser.Flag(name: .long, help: "Print every enforcement transition instead (StateCommand+History).")
    var history = false
    @ArgumentParser.Flag(name: .long, help: "Print JSON.") var json = false

    func validate() throws {
        if history, at != nil { throw ValidationError("give --history or --at, not both") }
        if let at, Timestamp(rfc3339: at) == nil {
            throw ValidationError("--at must be an RFC 3339 UTC time like 2026-03-01T12:00:00.250Z, got `\(at)`")
        }
    }

    func run() throws {
        if history { return try runHistory() }
        let state = try loadState(dataOptions, billingOptions)
        let time = at.flatMap { Timestamp(rfc3339: $0) } ?? state.lastRecordTime ?? Clock.system.now()
        let result = state.enforcementJSON(userID: user, at: time)
        if json {
            StandardStreams.write(result.rendered + "\n")
        } else {
            StandardStreams.write(
                "state             \(result["state"]?.rendered ?? "?")\n"
                    + "grace_started_at  \(result["grace_started_at"]?.rendered ?? "null")\n"
                    + "grace_ends_at     \(result["grace_ends_at"]?.rendered ?? "null")\n")
        }
    }
}

/// `tollgate replay --data DIR [--verify] [--until-seq N | --until TIME] [--json]`. The work is ``ReplayRun``'s,
/// which the plain forms of this command reach without this parse (docs/engine.md, "Start-up").
struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Rebuild every projection from the first record and check the ledger invariants.")

    @OptionGroup var dataOptions: DataOptions
    @OptionGroup var billingOptions: BillingOptions
    @ArgumentParser.Flag(name: .long, help: "Check checksums, chain and every invariant, re-deciding each command.") var verify = false
    @Option(name: .customLong("until-seq"), help: "Stop after this seq (point-in-time state).") var untilSeq: Int64?
    @Option(name: .long, help: "Stop after the last record at or before this RFC 3339 time.") var until: String?
    @ArgumentParser.Flag(name: .long, help: "Print JSON.") var json = false

    func validate() throws {
        try ReplayRun.validate(untilSeq: untilSeq, until: until)
    }

    func run() throws {
        try ReplayRun(
            data: dataOptions.data, creditEnforcementEnabled: billingOptions.creditEnforcementEnabled, verify: verify,
            untilSeq: untilSeq, until: until, json: json
        ).run()
    }
}

func loadState(_ dataOptions: DataOptions, _ billingOptions: BillingOptions) throws -> State {
    let billing = try billingOptions.configuration()
    do {
        let folded = try Projection.load(directory: dataOptions.data, billing: billing)
        for warning in folded.warnings { StandardStreams.error("tollgate: warning: \(warning)") }
        return folded.state
    } catch {
        StandardStreams.error("tollgate: error: \(error)")
        throw ExitCode.failure
    }
}

func pad(_ text: String, _ width: Int) -> String {
    text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
}
