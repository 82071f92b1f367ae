/// A debit record without optional strings (no session id, request id, idempotency key or `at`) — nearly every
/// record of a billing log — as a plain value: the user id (Swift keeps an id of ≤ 15 bytes inline, so no
/// allocation) and integers. A verified replay hands these between its threads and through its checks instead of
/// the ``LedgerRecord`` enum (whose copies and retains were a third of the replay's CPU time; docs/engine.md,
/// "How `replay --verify` uses the second core"); the enum stays for every other record and for reports.
///
/// It is the same record: ``record`` gives the ``DebitRecord`` it was made from, and everything checked from it
/// (``LedgerVerifier/check(seq:time:debit:userKey:)``) is checked exactly as for `.debit(record)`.
public struct CompactDebit: Hashable, Sendable {
    public var userID: String
    public var amount: Millicredits
    public var enforcementEnabled: Bool
    public var outcome: DebitOutcome

    /// The type tag of the records this represents (a debit, layout version 1).
    public static let typeTag: UInt8 = LedgerRecordKind.debit.rawValue

    public init(userID: String, amount: Millicredits, enforcementEnabled: Bool, outcome: DebitOutcome) {
        self.userID = userID
        self.amount = amount
        self.enforcementEnabled = enforcementEnabled
        self.outcome = outcome
    }

    /// nil when `record` carries an optional string (or `at`): such a debit stays a ``LedgerRecord``.
    public init?(_ record: DebitRecord) {
        let command = record.command
        guard command.sessionID == nil, command.requestID == nil, command.idempotencyKey == nil, command.at == nil
        else { return nil }
        userID = command.userID
        amount = command.amount
        enforcementEnabled = record.enforcementEnabled
        outcome = record.outcome
    }

    /// The debit record this is.
    public var record: DebitRecord {
        DebitRecord(
            command: Command.Debit(userID: userID, amount: amount), enforcementEnabled: enforcementEnabled,
            outcome: outcome)
    }

    /// The millicredits charged (0 unless the outcome is `charged`).
    public var chargedMillicredits: Int64 {
        if case .charged(let charged, _, _) = outcome { charged.rawValue } else { 0 }
    }
}
