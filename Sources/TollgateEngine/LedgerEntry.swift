import TollgateBilling

/// One decoded record of the billing log: its seq, its time (the decision time) and its body.
public struct LedgerEntry: Hashable, Sendable {
    public var seq: Int64
    public var time: Timestamp
    public var record: LedgerRecord

    public init(seq: Int64, time: Timestamp, record: LedgerRecord) {
        self.seq = seq; self.time = time; self.record = record
    }

    /// `{"seq":N,"time":"…","type":"…","fields":{…}}`.
    public var json: JSONValue { record.json(seq: seq, time: time) }
}
