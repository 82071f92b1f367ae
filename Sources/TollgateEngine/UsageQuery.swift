import TollgateBilling

/// The per-day usage summary over a time range, optionally for one user.
public struct UsageQuery: Sendable {
    public var from: Timestamp?
    /// Exclusive.
    public var to: Timestamp?
    public var userID: String?

    public init(from: Timestamp? = nil, to: Timestamp? = nil, userID: String? = nil) {
        self.from = from; self.to = to; self.userID = userID
    }

    /// Days with at least one debit or consume, oldest first.
    public func run(directory: String, progress: ((Int64) -> Void)? = nil) throws(EngineError) -> [UsageDay] {
        var days: [UsageDay] = []
        try LedgerReader.scan(directory: directory, progress: progress) { entry in
            if let to, entry.time >= to { return false }
            if let from, entry.time < from { return true }
            if let userID, entry.record.userID != userID { return true }
            let day = entry.time.utcDayNumber
            // Time never decreases, so the day in progress is always the last one.
            if days.last?.dayNumber != day {
                var fresh = UsageDay(dayNumber: day)
                if fresh.add(entry.record) { days.append(fresh) }
            } else {
                days[days.count - 1].add(entry.record)
            }
            return true
        }
        return days
    }

    /// `{"bucket":"day","user_id":…|null,"days":[…]}`.
    public func json(_ days: [UsageDay]) -> JSONValue {
        .object([
            ("bucket", .string("day")), ("user_id", userID.map(JSONValue.string) ?? .null),
            ("days", .array(days.map(\.json))),
        ])
    }
}
