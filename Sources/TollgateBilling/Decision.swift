/// What `decide` answers for one command: the records to append (in order, seqs `seq`, `seq + 1`, …; empty for
/// duplicate and invalid) and the one result line.
public struct Decision: Sendable {
    public var records: [LedgerRecord]
    public var result: JSONValue

    public init(records: [LedgerRecord], result: JSONValue) {
        self.records = records; self.result = result
    }

    static func invalid(field: String?, _ message: String) -> Decision {
        Decision(records: [], result: InvalidRequest(field: field, message: message).result)
    }
}
