/// Body layouts of the payment records, version 1 (tags 15–18; docs/record-format.md, "Payments").
extension LedgerRecord {
    static func encode(_ event: PaymentEvent, into writer: inout BodyWriter) {
        writer.writeByte(event.userID == nil ? 0 : 1)
        writer.writeByte(event.kind.rawValue)
        writer.writeIdentifier(event.eventID)
        writer.writeSigned(event.createdUnixSeconds)
        if let userID = event.userID { writer.writeIdentifier(userID) }
        writer.writeUnsigned(event.amountCents)
        writer.writeIdentifier(event.currency)
        writer.writeIdentifier(event.paymentID)
    }

    static func encode(_ record: PurchaseGrantRecord, into writer: inout BodyWriter) {
        writer.writeIdentifier(record.eventID)
        writer.writeUnsigned(record.attempt)
        writer.writeIdentifier(record.initiatedBy)
        writer.writeIdentifier(record.userID)
        writer.writeIdentifier(record.paymentID)
        writer.writeUnsigned(record.amount.rawValue)
    }

    static func encode(_ record: CashRefundRecord, into writer: inout BodyWriter) {
        writer.writeIdentifier(record.eventID)
        writer.writeUnsigned(record.attempt)
        writer.writeIdentifier(record.initiatedBy)
        writer.writeIdentifier(record.userID)
        writer.writeIdentifier(record.paymentID)
        writer.writeUnsigned(record.purchaseSeq)
        writer.writeUnsigned(record.amount.rawValue)
    }

    static func encode(_ record: PaymentAttemptRecord, into writer: inout BodyWriter) {
        writer.writeIdentifier(record.eventID)
        writer.writeUnsigned(record.attempt)
        writer.writeIdentifier(record.initiatedBy)
        writer.writeByte(record.outcome.rawValue)
    }

    static func decodePaymentEvent(from reader: inout BodyReader) throws(RecordDecodingError) -> PaymentEvent {
        let flags = try reader.readByte()
        guard flags & ~1 == 0 else { throw reader.failure("reserved flag bits set") }
        guard let kind = PaymentEvent.Kind(rawValue: try reader.readByte()) else {
            throw reader.failure("unknown payment event type")
        }
        let eventID = try reader.readIdentifier()
        let created = try reader.readSigned()
        let userID = flags & 1 != 0 ? try reader.readIdentifier() : nil
        let amountCents = try reader.readUnsigned()
        let currency = try reader.readIdentifier()
        guard currency == currency.lowercased() else { throw reader.failure("currency not lowercase") }
        let paymentID = try reader.readIdentifier()
        return PaymentEvent(
            eventID: eventID, kind: kind, createdUnixSeconds: created, userID: userID, amountCents: amountCents,
            currency: currency, paymentID: paymentID)
    }

    private static func readAttempt(from reader: inout BodyReader) throws(RecordDecodingError) -> Int64 {
        let attempt = try reader.readUnsigned()
        guard attempt >= 1 else { throw reader.failure("attempt below 1") }
        return attempt
    }

    private static func readPositiveAmount(from reader: inout BodyReader) throws(RecordDecodingError) -> Millicredits {
        let amount = try reader.readUnsigned()
        guard amount >= 1 && amount <= Millicredits.magnitudeMax else { throw reader.failure("amount out of range") }
        return Millicredits(rawValue: amount)
    }

    static func decodePurchaseGrant(from reader: inout BodyReader) throws(RecordDecodingError) -> PurchaseGrantRecord {
        let eventID = try reader.readIdentifier()
        let attempt = try readAttempt(from: &reader)
        let initiatedBy = try reader.readIdentifier()
        let userID = try reader.readIdentifier()
        let paymentID = try reader.readIdentifier()
        return PurchaseGrantRecord(
            eventID: eventID, attempt: attempt, initiatedBy: initiatedBy, userID: userID, paymentID: paymentID,
            amount: try readPositiveAmount(from: &reader))
    }

    static func decodeCashRefund(from reader: inout BodyReader) throws(RecordDecodingError) -> CashRefundRecord {
        let eventID = try reader.readIdentifier()
        let attempt = try readAttempt(from: &reader)
        let initiatedBy = try reader.readIdentifier()
        let userID = try reader.readIdentifier()
        let paymentID = try reader.readIdentifier()
        let purchaseSeq = try reader.readUnsigned()
        guard purchaseSeq >= 1 else { throw reader.failure("purchase seq below 1") }
        return CashRefundRecord(
            eventID: eventID, attempt: attempt, initiatedBy: initiatedBy, userID: userID, paymentID: paymentID,
            purchaseSeq: purchaseSeq, amount: try readPositiveAmount(from: &reader))
    }

    static func decodePaymentAttempt(
        from reader: inout BodyReader
    ) throws(RecordDecodingError) -> PaymentAttemptRecord {
        let eventID = try reader.readIdentifier()
        let attempt = try readAttempt(from: &reader)
        let initiatedBy = try reader.readIdentifier()
        guard let outcome = PaymentAttemptOutcome(rawValue: try reader.readByte()) else {
            throw reader.failure("unknown payment attempt outcome")
        }
        return PaymentAttemptRecord(eventID: eventID, attempt: attempt, initiatedBy: initiatedBy, outcome: outcome)
    }
}
