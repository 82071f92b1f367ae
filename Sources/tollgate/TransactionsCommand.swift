import ArgumentParser
import TollgateBilling
import TollgateEngine

/// `tollgate transactions --data DIR --user U [--limit N] [--before-seq N] [--all] [--json]`: a user's credit
/// transactions, newest first, with the balance after each (what `/users/me/transactions` shows).
struct TransactionsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transactions",
        abstract: "Print a user's credit transactions (grants, charged debits, refunds), newest first.")

    @OptionGroup var dataOptions: DataOptions
    @Option(name: .long, help: "The user id.") var user: String
    @Option(name: .long, help: "At most this many transactions (1–\(TransactionQuery.limitMax)).")
    var limit: Int = TransactionQuery.limitDefault
    @Option(name: .customLong("before-seq"), help: "Only transactions with a seq below this (the next page).")
    var beforeSeq: Int64?
    @ArgumentParser.Flag(name: .long, help: "Also list free and shadow debits and rejected grants, debits and refunds.")
    var all = false
    @ArgumentParser.Flag(name: .long, help: "Print JSON.") var json = false

    func validate() throws {
        guard (1...TransactionQuery.limitMax).contains(limit) else {
            throw ValidationError("--limit must be between 1 and \(TransactionQuery.limitMax)")
        }
        if let beforeSeq, beforeSeq < 1 { throw ValidationError("--before-seq must be ≥ 1") }
    }

    func run() throws {
        let query = TransactionQuery(userID: user, limit: limit, beforeSeq: beforeSeq, includeAll: all)
        let page = try Scan.run("transactions") { progress throws(EngineError) in
            try query.run(directory: dataOptions.data, progress: progress)
        }
        if json {
            StandardStreams.write(page.json.rendered + "\n")
            return
        }
        var table = TextTable([
            ("seq", .right), ("time", .left), ("type", .left), ("status", .left), ("amount", .right),
            ("change", .right), ("balance_after", .right), ("initiated_by", .left), ("source", .left),
            ("reference", .left),
        ])
        for transaction in page.transactions {
            var reference = ""
            if let debitSeq = transaction.debitSeq { reference = "debit_seq=\(debitSeq)" }
            if let requestID = transaction.requestID { reference = "request_id=\(requestID)" }
            let status = transaction.code ?? transaction.mode ?? transaction.status
            table.append([
                String(transaction.seq), transaction.time.rfc3339, transaction.kind.rawValue, status,
                transaction.amount.formatted, transaction.balanceChange.formatted, transaction.balanceAfter.formatted,
                transaction.initiatedBy ?? "-", transaction.source ?? "-", reference.isEmpty ? "-" : reference,
            ])
        }
        var text = table.rendered
        if let next = page.nextBeforeSeq { text += "more: --before-seq \(next)\n" }
        StandardStreams.write(text)
    }
}
