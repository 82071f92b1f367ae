import ArgumentParser
import TollgateBilling
import TollgateEngine

/// What `tollgate replay` does, from plain values. ``ReplayCommand`` runs it after ArgumentParser's parse;
/// ``init(plainArguments:)`` builds it straight from the command line for the plain forms, which spares a
/// process that lives a few milliseconds most of its start (docs/engine.md, "Start-up").
struct ReplayRun {
    var data: String
    /// The `--credit-enforcement-enabled` value as given (nil: not given; the environment decides).
    var creditEnforcementEnabled: String?
    var verify = false
    var untilSeq: Int64?
    var until: String?
    var json = false

    /// ArgumentParser's `validate()` step for `replay`: the same checks and messages on either path.
    static func validate(untilSeq: Int64?, until: String?) throws {
        if untilSeq != nil, until != nil { throw ValidationError("give --until-seq or --until, not both") }
        if let untilSeq, untilSeq < 0 { throw ValidationError("--until-seq must be ≥ 0") }
        if let until, Timestamp(rfc3339: until) == nil {
            throw ValidationError("--until must be an RFC 3339 UTC time like 2026-03-01T12:00:00Z, got `\(until)`")
        }
    }

    func run() throws {
        let bound: Projection.Bound =
            if let untilSeq { .seq(untilSeq) } else if let until, let time = Timestamp(rfc3339: until) { .time(time) } else { .end }
        let billing = try BillingOptions.configuration(creditEnforcementEnabled: creditEnforcementEnabled)
        let progress = ProgressLine(label: "replay")
        let report: JSONValue
        let ok: Bool
        if verify {
            let verified = Replay.verify(
                directory: data, billing: billing, until: bound, progress: progress.update)
            report = verified.json
            ok = verified.ok
        } else {
            do {
                let folded = try Projection.load(
                    directory: data, billing: billing, until: bound, useSnapshots: false,
                    progress: progress.update)
                var members: [(String, JSONValue)] = [("ok", .bool(true)), ("records", .int(folded.nextSeq - 1))]
                if case .object(let balances) = folded.state.balancesJSON() { members += balances }
                report = .object(members)
                ok = true
            } catch {
                progress.finish()
                StandardStreams.error("tollgate: error: \(error)")
                throw ExitCode.failure
            }
        }
        progress.finish()
        if json {
            // Rendered straight into bytes (the same text as `rendered`): ~10k balances made no String to copy.
            var bytes: [UInt8] = []
            report.renderUTF8(into: &bytes)
            bytes.append(UInt8(ascii: "\n"))
            StandardStreams.write(bytes)
        } else {
            StandardStreams.write(humanReport(report))
        }
        if !ok { throw ExitCode.failure }
    }

    private func humanReport(_ report: JSONValue) -> String {
        var text = "ok        \(report["ok"]?.rendered ?? "?")\nrecords   \(report["records"]?.rendered ?? "?")\n"
        if case .array(let violations)? = report["violations"] {
            text += "violations \(violations.count)\n"
            for violation in violations {
                text += "  seq \(violation["seq"]?.rendered ?? "-")  \(violation["invariant"]?.rendered ?? "")  "
                    + "\(violation["detail"]?.rendered ?? "")\n"
            }
        }
        text += "liability \(report["liability"]?.rendered ?? "?")\n"
        return text
    }
}
