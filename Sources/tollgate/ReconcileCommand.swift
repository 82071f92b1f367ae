import ArgumentParser
import TollgateBilling
import TollgateEngine

/// `tollgate reconcile --data DIR [--json]`: ledger sums (grants + refunds − charged debits) against the projected
/// balances, per user and in total; exit 1 on any drift, naming the first seq where it appears.
struct ReconcileCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reconcile", abstract: "Check ledger sums against the projected balances; exit 1 on drift.")

    @OptionGroup var dataOptions: DataOptions
    @OptionGroup var billingOptions: BillingOptions
    @ArgumentParser.Flag(name: .long, help: "Print JSON.") var json = false

    func run() throws {
        let billing = try billingOptions.configuration()
        let reconciliation = try Scan.run("reconcile") { progress throws(EngineError) in
            try Reconciliation.run(directory: dataOptions.data, billing: billing, progress: progress)
        }
        if json {
            StandardStreams.write(reconciliation.json.rendered + "\n")
        } else {
            var table = TextTable([
                ("user", .left), ("ledger_sum", .right), ("balance", .right), ("drift", .right),
                ("first_drift_seq", .right),
            ])
            for line in reconciliation.users {
                table.append([
                    line.userID, Reconciliation.format(line.ledgerSum), line.balance.formatted,
                    Reconciliation.format(line.drift), line.firstDriftSeq.map(String.init) ?? "-",
                ])
            }
            table.append([
                "(total)", Reconciliation.format(reconciliation.ledgerTotal), Reconciliation.format(reconciliation.liability),
                Reconciliation.format(reconciliation.liability - reconciliation.ledgerTotal),
                reconciliation.firstTotalDriftSeq.map(String.init) ?? "-",
            ])
            StandardStreams.write(
                "ok       \(reconciliation.ok)\nrecords  \(reconciliation.recordCount)\n\n" + table.rendered)
        }
        if !reconciliation.ok { throw ExitCode.failure }
    }
}
