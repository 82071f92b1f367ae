import ArgumentParser
import TollgateBilling
import TollgateEngine

/// `tollgate accounting export --data DIR --date YYYY-MM-DD [--csv | --json]`: the double-entry journal
/// (docs/accounting.md), a projection of the log.
struct AccountingCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "accounting", abstract: "The accounting journal derived from the log (cash, deferred revenue, revenue).",
        subcommands: [AccountingExportCommand.self])
}

/// One UTC day's journal lines: a table by default, RFC 4180 CSV for an accounting package, or JSON.
struct AccountingExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Print one UTC day's journal lines (table, JSON or RFC 4180 CSV).")

    @OptionGroup var dataOptions: DataOptions
    @Option(name: .long, help: "The UTC day, YYYY-MM-DD.") var date: String
    @ArgumentParser.Flag(name: .long, help: "Print RFC 4180 CSV (header row, CRLF line ends).") var csv = false
    @ArgumentParser.Flag(name: .long, help: "Print JSON.") var json = false

    func validate() throws {
        guard CalendarDay(date) != nil else { throw ValidationError("--date must be YYYY-MM-DD, got `\(date)`") }
        if csv && json { throw ValidationError("give --csv or --json, not both") }
    }

    func run() throws {
        let day = CalendarDay(date)!
        let journal = try Scan.run("accounting") { progress throws(EngineError) in
            try JournalDay.load(directory: dataOptions.data, day: day, progress: progress)
        }
        if json {
            StandardStreams.write(journal.json.rendered + "\n")
        } else if csv {
            StandardStreams.write(journal.csv)
        } else {
            StandardStreams.write(journal.text)
        }
    }
}

extension JournalDay {
    /// The human form: the lines as a table, the day's totals and the closing balances.
    var text: String {
        var table = TextTable([
            ("seq", .right), ("time", .left), ("entry", .left), ("account", .left), ("debit", .right),
            ("credit", .right), ("user", .left), ("lot", .right), ("payment_id", .left),
        ])
        for line in lines {
            table.append([
                String(line.seq), line.time.rfc3339, line.entry.rawValue, line.account.rawValue,
                line.debitMicroUSD > 0 ? Millicredits(rawValue: line.debitMicroUSD).usdFormatted : "",
                line.creditMicroUSD > 0 ? Millicredits(rawValue: line.creditMicroUSD).usdFormatted : "",
                line.userID, line.lotSeq.map(String.init) ?? "-", line.paymentID ?? "-",
            ])
        }
        var text = "journal  \(day.text)  (\(JournalAccount.currency))\n\n" + table.rendered + "\n"
        text += "total debits \(Millicredits(rawValue: totalDebitMicroUSD).usdFormatted)  "
            + "total credits \(Millicredits(rawValue: totalCreditMicroUSD).usdFormatted)\n"
        text += "closing balances"
        for account in JournalAccount.allCases {
            text += "  \(account.rawValue) \(Millicredits(rawValue: closingBalancesMicroUSD[account] ?? 0).usdFormatted)"
        }
        return text + "\n"
    }
}
