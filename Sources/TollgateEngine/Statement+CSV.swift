import TollgateBilling

/// RFC 4180 CSV of a statement (`tollgate statement`, `GET /api/v1/admin/users/{user_id}/statement`): a header
/// row, CRLF line ends, a field quoted when it holds a comma, a double quote, CR or LF (quotes doubled). One table: an `opening_balance` row, one row per transaction, a
/// `closing_balance` row, then one row per total (`total_granted`, `total_refunded`, `total_charged`,
/// `total_cash_refunded` when there are cash refunds, `total_net`).
extension Statement {
    public static let csvHeader = [
        "row", "seq", "time", "type", "amount_credits", "amount_usd", "balance_after_credits", "balance_after_usd",
        "initiated_by", "source", "debit_seq", "request_id", "reason",
    ]

    public var csv: String {
        var rows: [[String]] = [Self.csvHeader]
        rows.append([
            "opening_balance", "", month.start.rfc3339, "", "", "", openingBalance.formatted,
            openingBalance.usdFormatted, "", "", "", "", "",
        ])
        for transaction in transactions {
            rows.append([
                "transaction", String(transaction.seq), transaction.time.rfc3339, transaction.kind.rawValue,
                transaction.balanceChange.formatted, transaction.balanceChange.usdFormatted,
                transaction.balanceAfter.formatted, transaction.balanceAfter.usdFormatted,
                transaction.initiatedBy ?? "", transaction.source ?? "", transaction.debitSeq.map(String.init) ?? "",
                transaction.requestID ?? "", transaction.reason ?? "",
            ])
        }
        rows.append([
            "closing_balance", "", month.end.rfc3339, "", "", "", closingBalance.formatted,
            closingBalance.usdFormatted, "", "", "", "", "",
        ])
        for (name, amount) in totals {
            rows.append(["total_" + name, "", "", "", amount.formatted, amount.usdFormatted, "", "", "", "", "", "", ""])
        }
        return rows.map { $0.map(Self.csvField).joined(separator: ",") + "\r\n" }.joined()
    }

    static func csvField(_ value: String) -> String {
        guard value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\r" || $0 == "\n" || $0 == "\r\n" }) else {
            return value
        }
        return "\"" + value.replacing("\"", with: "\"\"") + "\""
    }
}
