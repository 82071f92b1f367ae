import ArgumentParser
import TollgateBilling
import TollgateEngine

/// `tollgate state --data DIR --user U --history [--json]`: every enforcement transition of the user, with its
/// time, the entitlement that triggered it and the seq of the record after which it was noticed.
extension StateCommand {
    func runHistory() throws {
        let billing = try billingOptions.configuration()
        let history = try Scan.run("state") { progress throws(EngineError) in
            try StateHistory.load(directory: dataOptions.data, userID: user, billing: billing, progress: progress)
        }
        if json {
            StandardStreams.write(history.json.rendered + "\n")
            return
        }
        var table = TextTable([
            ("seq", .right), ("time", .left), ("from", .left), ("to", .left), ("entitlement", .left),
        ])
        for transition in history.transitions {
            table.append([
                String(transition.seq), transition.at.rfc3339, transition.from.name, transition.to.name,
                transition.entitlementKey ?? "-",
            ])
        }
        let now = history.state.lastRecordTime ?? Timestamp(millisecondsSinceEpoch: 0)
        let current = history.state.enforcement(userID: user, at: now).state
        StandardStreams.write("user   \(user)\nstate  \(current.name)\n\n" + table.rendered)
    }
}
