/// The payment section of a state snapshot (format version 2; docs/snapshots.md). A state without payment events
/// is still written as version 1, byte for byte as before, so existing snapshots and their goldens stay valid.
extension State {
    /// The first format version with the payment section.
    static let snapshotFormatVersionPayments: UInt16 = 2

    var snapshotVersionToWrite: UInt16 {
        payments.isEmpty ? Self.snapshotFormatVersion : Self.snapshotFormatVersionPayments
    }

    func encodePayments(into writer: inout SnapshotWriter) {
        writer.count(payments.events.count)
        for eventID in payments.events.keys.sorted() {
            let entry = payments.events[eventID]!
            let event = entry.event
            writer.string(event.eventID)
            writer.u8(event.kind.rawValue)
            writer.i64(event.createdUnixSeconds)
            writer.optionalString(event.userID)
            writer.i64(event.amountCents)
            writer.string(event.currency)
            writer.string(event.paymentID)
            writer.i64(entry.seq)
            writer.i64(entry.attemptCount)
            writer.i64(entry.failedAttemptCount)
            writer.u8(entry.lastOutcome?.rawValue ?? 0)
            writer.optionalI64(entry.lastAttemptTime?.rawValue)
            writer.optionalI64(entry.settledSeq)
        }
        writer.count(payments.purchases.count)
        for paymentID in payments.purchases.keys.sorted() {
            let purchase = payments.purchases[paymentID]!
            writer.string(paymentID)
            writer.string(purchase.userID)
            writer.i64(purchase.seq)
            writer.string(purchase.eventID)
            writer.i64(purchase.amount)
            writer.i64(purchase.cashRefunded)
        }
    }

    static func decodePayments(_ reader: inout SnapshotReader) throws(StateSnapshotError) -> PaymentLedger {
        var ledger = PaymentLedger()
        // Three strings of ≥ 5 bytes, five Int64s, the type and outcome bytes and three presence bytes.
        let eventCount = try reader.count(elementSizeBytesMin: 60)
        for _ in 0..<eventCount {
            let eventID = try reader.string()
            guard let kind = PaymentEvent.Kind(rawValue: try reader.u8()) else {
                throw reader.failure("unknown payment event type")
            }
            let event = PaymentEvent(
                eventID: eventID, kind: kind, createdUnixSeconds: try reader.i64(), userID: try reader.optionalString(),
                amountCents: try reader.i64(), currency: try reader.string(), paymentID: try reader.string())
            var entry = PaymentLedger.EventEntry(event: event, seq: try reader.i64())
            entry.attemptCount = try reader.i64()
            entry.failedAttemptCount = try reader.i64()
            let outcome = try reader.u8()
            if outcome != 0 {
                guard let known = PaymentAttemptOutcome(rawValue: outcome) else {
                    throw reader.failure("unknown payment attempt outcome")
                }
                entry.lastOutcome = known
            }
            entry.lastAttemptTime = try reader.optionalI64().map(Timestamp.init(rawValue:))
            entry.settledSeq = try reader.optionalI64()
            guard Identifier.isValid(eventID), Identifier.isValid(event.currency),
                event.currency == event.currency.lowercased(),
                Identifier.isValid(event.paymentID), event.userID.map(Identifier.isValid) ?? true,
                event.amountCents >= 0, entry.seq >= 1,
                entry.failedAttemptCount >= 0, entry.attemptCount >= entry.failedAttemptCount,
                (entry.attemptCount == 0) == (entry.lastAttemptTime == nil),
                ledger.events.updateValue(entry, forKey: eventID) == nil
            else { throw reader.failure("bad payment event \(eventID)") }
        }
        // Three strings of ≥ 5 bytes and three Int64s.
        let purchaseCount = try reader.count(elementSizeBytesMin: 39)
        for _ in 0..<purchaseCount {
            let paymentID = try reader.string()
            let purchase = PaymentLedger.PurchaseEntry(
                userID: try reader.string(), seq: try reader.i64(), eventID: try reader.string(),
                amount: try reader.i64(), cashRefunded: try reader.i64())
            guard Identifier.isValid(paymentID), Identifier.isValid(purchase.userID),
                Identifier.isValid(purchase.eventID),
                purchase.seq >= 1, purchase.amount > 0, purchase.cashRefunded >= 0, purchase.cashRefunded <= purchase.amount,
                ledger.purchases.updateValue(purchase, forKey: paymentID) == nil
            else { throw reader.failure("bad purchase \(paymentID)") }
        }
        return ledger
    }
}
