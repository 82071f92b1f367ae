/// `grant`, `debit` and `refund`.
extension CommandParser {
    static func grant(_ fields: CommandFields) throws(InvalidRequest) -> Command.Grant {
        let userID = try fields.requiredIdentifier(.userID)
        let amount = try fields.requiredPositiveAmount(.amount)
        let source = try grantSource(fields) ?? .admin
        let initiatedBy = try fields.identifier(.initiatedBy)
        let reason = try fields.text(.reason)
        let idempotencyKey = try fields.identifier(.idempotencyKey)
        let at = try fields.timestamp(.at)
        if source == .admin {
            guard amount <= adminGrantMax else {
                throw fields.invalid(.amount, "an admin grant is at most 10000 credits")
            }
            guard initiatedBy != nil else { throw fields.invalid(.initiatedBy, "required for an admin grant") }
        }
        return Command.Grant(
            userID: userID, amount: amount, source: source, initiatedBy: initiatedBy, reason: reason,
            idempotencyKey: idempotencyKey, at: at)
    }

    private static func grantSource(_ fields: CommandFields) throws(InvalidRequest) -> GrantSource? {
        guard let token = fields.token(.source) else { return nil }
        let source: GrantSource? =
            token.kind == .string
            ? fields.scanner.withStringBytes(token) { name in GrantSource(name: name) } : nil
        guard let source else { throw fields.invalid(.source, "expected one of admin, purchase, promo, adjustment") }
        return source
    }

    static func debit(_ fields: CommandFields) throws(InvalidRequest) -> Command.Debit {
        let userID = try fields.requiredIdentifier(.userID)
        let amount = try fields.requiredPositiveAmount(.amount)
        let sessionID = try fields.identifier(.sessionID)
        let requestID = try fields.text(.requestID)
        let idempotencyKey = try fields.identifier(.idempotencyKey)
        let at = try fields.timestamp(.at)
        return Command.Debit(
            userID: userID, amount: amount, sessionID: sessionID, requestID: requestID,
            idempotencyKey: idempotencyKey, at: at)
    }

    static func refund(_ fields: CommandFields) throws(InvalidRequest) -> Command.Refund {
        let userID = try fields.requiredIdentifier(.userID)
        guard let debitSeq = try fields.integer(.debitSeq, in: 1...Int64.max, "a sequence number ≥ 1") else {
            throw fields.missing(.debitSeq)
        }
        let amount = try fields.positiveAmount(.amount)
        let initiatedBy = try fields.requiredIdentifier(.initiatedBy)
        let reason = try fields.text(.reason)
        let at = try fields.timestamp(.at)
        return Command.Refund(
            userID: userID, debitSeq: debitSeq, amount: amount, initiatedBy: initiatedBy, reason: reason, at: at)
    }
}

extension GrantSource {
    init?(name bytes: UnsafeBufferPointer<UInt8>) {
        if CommandField.equal(bytes, "admin") {
            self = .admin
        } else if CommandField.equal(bytes, "purchase") {
            self = .purchase
        } else if CommandField.equal(bytes, "promo") {
            self = .promo
        } else if CommandField.equal(bytes, "adjustment") {
            self = .adjustment
        } else {
            return nil
        }
    }
}
