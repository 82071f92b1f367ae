import ArgumentParser
import TollgateBilling
import TollgateEngine

/// `tollgate statement --data DIR --user U --month YYYY-MM [--csv | --json]`: opening balance, every transaction,
/// closing balance and totals in credits and USD.
struct StatementCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "statement", abstract: "Print a user's monthly statement (table, JSON or RFC 4180 CSV).")

    @OptionGroup var dataOptions: DataOptions
    @Option(name: .long, help: "The user id.") var user: String
    @Option(name: .long, help: "The UTC month, YYYY-MM.") var month: String
    @ArgumentParser.Flag(name: .long, help: "Print RFC 4180 CSV (header row, CRLF line ends).") var csv = false
    @ArgumentParser.Flag(name: .long, help: "Print JSON.") var json = false

    func validate() throws {
        guard CalendarMonth(month) != nil else { throw ValidationError("--month must be YYYY-MM, got `\(month)`") }
        if csv && json { throw ValidationError("give --csv or --json, not both") }
    }

    func run() throws {
        let month = CalendarMonth(month)!
        let statement = try Scan.run("statement") { progress throws(EngineError) in
            try Statement.load(directory: dataOptions.data, userID: user, month: month, progress: progress)
        }
        if json {
            StandardStreams.write(statement.json.rendered + "\n")
        } else if csv {
            StandardStreams.write(statement.csv)
        } else {
            StandardStreams.write(statement.text)
        }
    }
}

extension Statement {
    /// The human form: a header, the transactions as a table, and the totals.
    var text: String {
        var text = "statement  \(userID)  \(month.text)  [\(month.start.rfc3339), \(month.end.rfc3339))\n"
        text += "opening balance  \(openingBalance.formatted) credits  (\(openingBalance.usdFormatted) USD)\n\n"
        var table = TextTable([
            ("seq", .right), ("time", .left), ("type", .left), ("amount", .right), ("balance_after", .right),
            ("initiated_by", .left), ("source", .left),
        ])
        for transaction in transactions {
            table.append([
                String(transaction.seq), transaction.time.rfc3339, transaction.kind.rawValue,
                transaction.balanceChange.formatted, transaction.balanceAfter.formatted, transaction.initiatedBy ?? "-",
                transaction.source ?? transaction.debitSeq.map { "debit_seq=\($0)" } ?? "-",
            ])
        }
        text += table.rendered + "\n"
        text += "closing balance  \(closingBalance.formatted) credits  (\(closingBalance.usdFormatted) USD)\n"
        for (name, amount) in totals {
            text += "\(name.padding(16)) \(amount.formatted) credits  (\(amount.usdFormatted) USD)\n"
        }
        return text
    }
}

extension String {
    fileprivate func padding(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
