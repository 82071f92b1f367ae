import TollgateBilling

/// RFC 4180 CSV of a journal day, for import into an accounting package: a header row, one row per line, CRLF
/// line ends, a field quoted when it holds a comma, a double quote, CR or LF (quotes doubled). Amounts are exact
/// decimal dollars (at least 2 decimals, up to 6); the side a line does not use is empty.
extension JournalDay {
    public static let csvHeader = [
        "date", "account", "debit", "credit", "currency", "reference_seq", "payment_id", "entry", "user_id",
        "lot_seq", "time",
    ]

    public var csv: String {
        var text = Self.csvRow(Self.csvHeader)
        for line in lines {
            text += Self.csvRow([
                line.date, line.account.rawValue,
                line.debitMicroUSD > 0 ? Millicredits(rawValue: line.debitMicroUSD).usdFormatted : "",
                line.creditMicroUSD > 0 ? Millicredits(rawValue: line.creditMicroUSD).usdFormatted : "",
                JournalAccount.currency, String(line.seq), line.paymentID ?? "", line.entry.rawValue, line.userID,
                line.lotSeq.map(String.init) ?? "", line.time.rfc3339,
            ])
        }
        return text
    }

    static func csvRow(_ fields: [String]) -> String {
        fields.map(Statement.csvField).joined(separator: ",") + "\r\n"
    }
}
