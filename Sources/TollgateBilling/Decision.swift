/// What `decide` answers for one command: the records to append (in order, seqs `seq`, `seq + 1`, …; empty for
/// duplicate and invalid) and the one result line.
///
/// The result is kept compact until asked for: `result` builds the `JSONValue`; `renderResult(into:)` writes the
/// same bytes directly, which is what an output path at a million results a second wants.
public struct Decision: Sendable {
    public var records: [LedgerRecord]
    var resultStorage: DecisionResult

    /// The one result line.
    public var result: JSONValue {
        get { resultStorage.json }
        set { resultStorage = .value(newValue) }
    }

    public init(records: [LedgerRecord], result: JSONValue) {
        self.records = records
        self.resultStorage = .value(result)
    }

    init(records: [LedgerRecord], resultStorage: DecisionResult) {
        self.records = records
        self.resultStorage = resultStorage
    }

    /// Appends exactly the bytes of `result.rendered` (no newline).
    public func renderResult(into bytes: inout [UInt8]) {
        resultStorage.render(into: &bytes)
    }

    static func invalid(field: String?, _ message: String) -> Decision {
        Decision(records: [], result: InvalidRequest(field: field, message: message).result)
    }
}
