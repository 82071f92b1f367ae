import TollgateBilling

/// A user's monthly statement (`tollgate statement`): the balance at the first instant of the month, every
/// transaction that moved it during the month (applied grants and refunds, charged debits), the balance after the
/// month, and totals in credits and USD.
public struct Statement: Sendable {
    public var userID: String
    public var month: CalendarMonth
    public var openingBalance: Millicredits
    /// Oldest first.
    public var transactions: [CreditTransaction]
    public var closingBalance: Millicredits
    public var granted = Millicredits.zero
    public var refunded = Millicredits.zero
    public var charged = Millicredits.zero
    /// Purchased credits removed because the payment provider refunded the money.
    public var cashRefunded = Millicredits.zero

    /// The totals in print order: granted, refunded, charged, `cash_refunded` only when the month has cash refunds
    /// (so statements without payments read exactly as before), net.
    public var totals: [(name: String, amount: Millicredits)] {
        var totals: [(name: String, amount: Millicredits)] = [
            ("granted", granted), ("refunded", refunded), ("charged", charged),
        ]
        if cashRefunded != .zero { totals.append(("cash_refunded", cashRefunded)) }
        totals.append(("net", net))
        return totals
    }

    /// closing − opening = granted + refunded − charged − cash refunded.
    public var net: Millicredits {
        Millicredits(rawValue: granted.rawValue &+ refunded.rawValue &- charged.rawValue &- cashRefunded.rawValue)
    }

    /// Reads the log up to the end of the month.
    public static func load(
        directory: String, userID: String, month: CalendarMonth, progress: ((Int64) -> Void)? = nil
    ) throws(EngineError) -> Statement {
        var statement = Statement(
            userID: userID, month: month, openingBalance: .zero, transactions: [], closingBalance: .zero)
        let start = month.start
        let end = month.end
        var balance: Int64 = 0
        try LedgerReader.scan(directory: directory, progress: progress) { entry in
            if entry.time >= end { return false }
            guard entry.record.userID == userID else { return true }
            let change = entry.record.balanceChange.rawValue
            guard change != 0 else { return true }
            balance &+= change
            guard entry.time >= start else { return true }
            if let transaction = entry.record.creditTransaction(
                seq: entry.seq, time: entry.time, balanceAfter: Millicredits(rawValue: balance))
            {
                statement.transactions.append(transaction)
                switch transaction.kind {
                case .grant: statement.granted.rawValue &+= change
                case .refund: statement.refunded.rawValue &+= change
                case .debit: statement.charged.rawValue &-= change
                case .cashRefund: statement.cashRefunded.rawValue &-= change
                }
            }
            return true
        }
        statement.closingBalance = Millicredits(rawValue: balance)
        statement.openingBalance = Millicredits(rawValue: balance &- statement.net.rawValue)
        return statement
    }

    public var json: JSONValue {
        func money(_ amount: Millicredits) -> JSONValue {
            .object([("credits", .amount(amount)), ("usd", .string(amount.usdFormatted))])
        }
        return .object([
            ("user_id", .string(userID)), ("month", .string(month.text)),
            ("period_start", .string(month.start.rfc3339)), ("period_end", .string(month.end.rfc3339)),
            ("opening_balance", money(openingBalance)),
            ("transactions", .array(transactions.map(\.json))),
            ("closing_balance", money(closingBalance)),
            (
                "totals",
                .object(
                    totals.map { ($0.name, money($0.amount)) } + [("transaction_count", .int(Int64(transactions.count)))]
                )
            ),
        ])
    }
}
