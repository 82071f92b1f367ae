import TollgateBilling

/// Every record made by one initiator (`initiated_by`), in a time range, newest or oldest first
/// (`tollgate audit`). Debits and consumes name no initiator and never appear; the circuit breaker's suspensions
/// are made by `system`.
public struct AuditQuery: Sendable {
    public enum Order: String, Sendable, CaseIterable {
        case newest, oldest
    }

    public var initiatedBy: String
    /// Records with time ≥ this.
    public var from: Timestamp?
    /// Records with time < this (half-open, so consecutive ranges never overlap).
    public var to: Timestamp?
    public var limit: Int
    public var order: Order

    public static let limitDefault = 100
    public static let limitMax = 1_000_000

    public init(
        initiatedBy: String, from: Timestamp? = nil, to: Timestamp? = nil, limit: Int = limitDefault,
        order: Order = .newest
    ) {
        precondition(limit >= 1 && limit <= Self.limitMax)
        self.initiatedBy = initiatedBy; self.from = from; self.to = to; self.limit = limit; self.order = order
    }

    public struct Result: Sendable {
        public var entries: [LedgerEntry]
        /// True when more records matched than `limit`.
        public var truncated: Bool

        public func json(initiatedBy: String) -> JSONValue {
            .object([
                ("initiated_by", .string(initiatedBy)), ("entries", .array(entries.map(\.json))),
                ("truncated", .bool(truncated)),
            ])
        }
    }

    func matches(_ entry: LedgerEntry) -> Bool {
        if let from, entry.time < from { return false }
        if let to, entry.time >= to { return false }
        return entry.record.initiatedBy == initiatedBy
    }

    public func run(directory: String, progress: ((Int64) -> Void)? = nil) throws(EngineError) -> Result {
        switch order {
        case .oldest:
            var entries: [LedgerEntry] = []
            var truncated = false
            try LedgerReader.scan(directory: directory, progress: progress) { entry in
                // Record time never decreases: nothing at or after `to` can match any more.
                if let to, entry.time >= to { return false }
                guard matches(entry) else { return true }
                if entries.count == limit {
                    truncated = true
                    return false
                }
                entries.append(entry)
                return true
            }
            return Result(entries: entries, truncated: truncated)
        case .newest:
            var newest = NewestEntries<LedgerEntry>(limit: limit)
            try LedgerReader.scan(directory: directory, progress: progress) { entry in
                if let to, entry.time >= to { return false }
                if matches(entry) { newest.append(entry) }
                return true
            }
            return Result(entries: newest.newestFirst, truncated: newest.hasOlder)
        }
    }
}
