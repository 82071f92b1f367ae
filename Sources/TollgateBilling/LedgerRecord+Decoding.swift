/// Body decoding, version 1: the inverse of `encodeBody(into:)`, strict about bounds, canonical varints, reserved
/// bits, key order and the value grammar of SEMANTICS.md, so that every decoded record re-encodes to the same bytes
/// and `fold` can trust its values. Garbage gives an error, never a trap.
extension LedgerRecord {
    public static func decode(
        typeTag: UInt8, body: some Collection<UInt8>
    ) -> Result<LedgerRecord, RecordDecodingError> {
        if let result = body.withContiguousStorageIfAvailable({ decode(typeTag: typeTag, buffer: $0) }) {
            return result
        }
        return Array(body).withUnsafeBufferPointer { decode(typeTag: typeTag, buffer: $0) }
    }

    /// ``decode(typeTag:body:)`` of bytes the caller borrows (a log reader's block): not generic, so a replay's
    /// call from another module needs no specialisation, and nothing is copied.
    public static func decode(
        typeTag: UInt8, bodyBytes: UnsafeRawBufferPointer
    ) -> Result<LedgerRecord, RecordDecodingError> {
        decode(typeTag: typeTag, buffer: bodyBytes.assumingMemoryBound(to: UInt8.self))
    }

    /// The body of a debit record (``CompactDebit/typeTag``) as a ``CompactDebit``; nil when it does not decode
    /// or carries an optional string — the caller then decodes it with ``decode(typeTag:bodyBytes:)``, which gives
    /// the record or the error. The same checks as that decoding, without building a ``LedgerRecord``.
    public static func decodeCompactDebit(bodyBytes: UnsafeRawBufferPointer) -> CompactDebit? {
        guard let (debit, userIDBytes) = decodeKeyedDebit(bodyBytes: bodyBytes) else { return nil }
        return debit.named(String(decoding: userIDBytes, as: UTF8.self))
    }

    /// ``decodeCompactDebit(bodyBytes:)`` without making the user id a `String`: the debit and the id's bytes (a
    /// view into `bodyBytes`), so that a reader can find a user it has seen by the bytes alone. nil exactly when
    /// `decodeCompactDebit` is nil: a debit that decodes and carries no optional string.
    ///
    /// Inlined, with its common case (``decodeChargedDebit(_:)``), into the caller in another module: a replay's
    /// reading thread calls it once per record, and the call's copy of the returned tuple through memory (a stalled
    /// load right after the call) was 5–7 % of the replay's samples (docs/benchmarks.md, "verify-percord").
    ///
    /// `checkingUserID: false` leaves one check to the caller: that the id's bytes are identifier bytes
    /// (`Identifier.isValid(_:)`; its length is still checked here). A caller that finds the bytes equal to
    /// an id it checked before needs no check; any other id it must check, and decode the body with
    /// ``decode(typeTag:bodyBytes:)`` when the check fails (that decoding gives the error). A replay's reader checks
    /// only each user's first sight: the per-byte check of every debit's id was ~3 % of a verified replay
    /// (docs/benchmarks.md, `verify-reader`).
    @inlinable @inline(__always)
    public static func decodeKeyedDebit(
        bodyBytes: UnsafeRawBufferPointer, checkingUserID: Bool = true
    ) -> (debit: KeyedDebit, userIDBytes: UnsafeBufferPointer<UInt8>)? {
        let bytes = bodyBytes.assumingMemoryBound(to: UInt8.self)
        if let charged = decodeChargedDebit(bytes, checkingUserID: checkingUserID) { return charged }
        return decodeKeyedDebitGenerally(bytes)
    }

    /// ``decodeKeyedDebit(bodyBytes:)`` of any body but the common charged one, through ``BodyReader``.
    @usableFromInline
    static func decodeKeyedDebitGenerally(
        _ bytes: UnsafeBufferPointer<UInt8>
    ) -> (debit: KeyedDebit, userIDBytes: UnsafeBufferPointer<UInt8>)? {
        var reader = BodyReader(bytes: bytes, typeTag: CompactDebit.typeTag)
        do throws(RecordDecodingError) {
            let head = try decodeDebitHead(from: &reader)
            guard head.flags & 0b111 == 0 else { return nil }  // A session id, request id or idempotency key.
            try reader.expectEnd()
            return (
                KeyedDebit(amount: head.amount, enforcementEnabled: head.enforcementEnabled, outcome: head.outcome),
                head.userIDBytes
            )
        } catch {
            return nil
        }
    }

    /// ``decodeKeyedDebit(bodyBytes:)`` of the commonest body — a charged debit without optional strings — in one
    /// pass over the bytes with the same checks as ``decodeDebitHead(from:)`` and ``BodyReader`` (flag bits,
    /// identifier length and bytes, minimal varints, amount ranges, an explicit charge ≠ the amount, nothing after),
    /// nil for anything else (the general decoding then answers, exactly as before). The general path's calls and
    /// typed throws were ~15 % of a verified replay's reading thread.
    /// `checkingUserID: false`: the id's bytes are not checked (``decodeKeyedDebit(bodyBytes:checkingUserID:)``).
    @inlinable @inline(__always)
    static func decodeChargedDebit(
        _ bytes: UnsafeBufferPointer<UInt8>, checkingUserID: Bool = true
    ) -> (debit: KeyedDebit, userIDBytes: UnsafeBufferPointer<UInt8>)? {
        // flags, outcome, id length, ≥ 1 id byte, ≥ 1 amount byte.
        guard bytes.count >= 5 else { return nil }
        let flags = bytes[0]
        // Reserved bit 7 and the optional strings (bits 0–2) go the general way; so does any outcome but charged.
        guard flags & 0b1000_0111 == 0, bytes[1] == 0 else { return nil }
        let idCount = Int(bytes[2])
        guard idCount >= 1, idCount <= Identifier.sizeBytesMax, 3 + idCount < bytes.count else {
            return nil
        }
        if checkingUserID {
            for index in 3..<(3 + idCount) where !Identifier.isByte(bytes[index]) { return nil }
        }
        var offset = 3 + idCount
        guard case .success(let amountRaw) = Varint.read(bytes, offset: &offset),
            amountRaw >= 1, amountRaw <= UInt64(Millicredits.magnitudeMax)
        else { return nil }
        let amount = Millicredits(rawValue: Int64(amountRaw))
        var charged = amount
        if flags & (1 << 6) != 0 {
            guard case .success(let chargedRaw) = Varint.read(bytes, offset: &offset),
                chargedRaw >= 1, chargedRaw <= UInt64(Millicredits.magnitudeMax), chargedRaw != amountRaw
            else { return nil }
            charged = Millicredits(rawValue: Int64(chargedRaw))
        }
        guard offset == bytes.count else { return nil }
        let outcome = DebitOutcome.charged(charged, warned: flags & (1 << 4) != 0, anomaly: flags & (1 << 5) != 0)
        return (
            KeyedDebit(amount: amount, enforcementEnabled: flags & (1 << 3) != 0, outcome: outcome),
            UnsafeBufferPointer(rebasing: bytes[3..<(3 + idCount)])
        )
    }

    private static func decode(
        typeTag: UInt8, buffer: UnsafeBufferPointer<UInt8>
    ) -> Result<LedgerRecord, RecordDecodingError> {
        var reader = BodyReader(bytes: buffer, typeTag: typeTag)
        do throws(RecordDecodingError) {
            let record = try decodeBody(typeTag: typeTag, from: &reader)
            try reader.expectEnd()
            return .success(record)
        } catch {
            return .failure(error)
        }
    }

    private static let positiveAmounts: ClosedRange<Int64> = 1...Millicredits.magnitudeMax
    private static let capAmounts: ClosedRange<Int64> = 0...Millicredits.magnitudeMax

    private static func decodeBody(
        typeTag: UInt8, from reader: inout BodyReader
    ) throws(RecordDecodingError) -> LedgerRecord {
        guard let kind = LedgerRecordKind(rawValue: typeTag) else { throw reader.failure("unknown record type") }
        switch kind {
        case .grant: return .grant(try decodeGrant(from: &reader))
        case .debit: return .debit(try decodeDebit(from: &reader))
        case .refund: return .refund(try decodeRefund(from: &reader))
        case .setFlag:
            let flag = try decodeFlag(from: &reader)
            let value = try FlagCoding.decodeValue(flag, from: &reader)
            return .setFlag(Command.SetFlag(value: value, initiatedBy: try reader.readIdentifier()))
        case .clearFlag:
            let flag = try decodeFlag(from: &reader)
            return .clearFlag(Command.ClearFlag(flag: flag, initiatedBy: try reader.readIdentifier()))
        case .definePlan: return .definePlan(try decodeDefinePlan(from: &reader))
        case .subscribe:
            let flags = try readFlags(from: &reader, allowedMask: 0b1)
            let userID = try reader.readIdentifier()
            let planID = try reader.readIdentifier()
            let initiatedBy = flags & 1 != 0 ? try reader.readIdentifier() : nil
            return .subscribe(Command.Subscribe(userID: userID, planID: planID, initiatedBy: initiatedBy))
        case .setOverride:
            let flags = try readFlags(from: &reader, allowedMask: 0b1)
            let userID = try reader.readIdentifier()
            let key = try reader.readIdentifier()
            let value = try reader.readSigned()
            guard value >= -1 else { throw reader.failure("override value below -1") }
            let expiresAt = flags & 1 != 0 ? Timestamp(rawValue: try reader.readSigned()) : nil
            return .setOverride(
                Command.SetOverride(
                    userID: userID, entitlementKey: key, value: value, expiresAt: expiresAt,
                    initiatedBy: try reader.readIdentifier()))
        case .clearOverride:
            let userID = try reader.readIdentifier()
            let key = try reader.readIdentifier()
            return .clearOverride(
                Command.ClearOverride(userID: userID, entitlementKey: key, initiatedBy: try reader.readIdentifier()))
        case .consume: return .consume(try decodeConsume(from: &reader))
        case .suspend, .reinstate:
            let flags = try readFlags(from: &reader, allowedMask: 0b1)
            let userID = try reader.readIdentifier()
            let initiatedBy = try reader.readIdentifier()
            let reason = flags & 1 != 0 ? try reader.readText() : nil
            let command = Command.AccountAction(userID: userID, initiatedBy: initiatedBy, reason: reason)
            return kind == .suspend ? .suspend(command) : .reinstate(command)
        case .setUserLimits:
            let flags = try readFlags(from: &reader, allowedMask: 0b11_1111)
            let userID = try reader.readIdentifier()
            var patches: [CapPatch] = []
            for index in 0..<3 {
                switch (flags >> (UInt8(index) * 2)) & 0b11 {
                case 0: patches.append(.unchanged)
                case 1: patches.append(.clear)
                case 2: patches.append(.set(try reader.readAmount(capAmounts)))
                default: throw reader.failure("bad cap patch")
                }
            }
            return .setUserLimits(
                Command.SetUserLimits(
                    userID: userID, singleRequestCap: patches[0], dailyCap: patches[1], sessionCap: patches[2],
                    initiatedBy: try reader.readIdentifier()))
        case .breakerSuspension:
            return .breakerSuspension(userID: try reader.readIdentifier())
        case .paymentEvent: return .paymentEvent(try decodePaymentEvent(from: &reader))
        case .purchaseGrant: return .purchaseGrant(try decodePurchaseGrant(from: &reader))
        case .cashRefund: return .cashRefund(try decodeCashRefund(from: &reader))
        case .paymentAttempt: return .paymentAttempt(try decodePaymentAttempt(from: &reader))
        }
    }

    private static func readFlags(
        from reader: inout BodyReader, allowedMask: UInt8
    ) throws(RecordDecodingError) -> UInt8 {
        let flags = try reader.readByte()
        guard flags & ~allowedMask == 0 else { throw reader.failure("reserved flag bits set") }
        return flags
    }

    private static func decodeFlag(from reader: inout BodyReader) throws(RecordDecodingError) -> Flag {
        let index = Int(try reader.readByte())
        guard index < FlagCoding.order.count else { throw reader.failure("unknown flag") }
        return FlagCoding.order[index]
    }

    /// The rejection codes each kind of record may carry: constant lists searched in place (a `Set` literal per
    /// decoded record allocated and hashed, ~1 % of a grant-only replay: docs/benchmarks.md `replay-faults`).
    private static let grantRejections: [RejectionCode] = [.idempotencyConflict, .balanceLimitExceeded]
    private static let debitRejections: [RejectionCode] = [
        .idempotencyConflict, .accountSuspended, .requestCapExceeded, .dailyCapExceeded, .sessionCapExceeded,
        .insufficientCredits, .balanceLimitExceeded,
    ]
    private static let refundRejections: [RejectionCode] = [.balanceLimitExceeded]
    private static let consumeRejections: [RejectionCode] = [.idempotencyConflict, .accountSuspended, .quotaExceeded]

    private static func decodeRejection(
        _ raw: UInt8, allowed: [RejectionCode], from reader: BodyReader
    ) throws(RecordDecodingError) -> RejectionCode? {
        if raw == 0 { return nil }
        guard let code = RejectionCode(rawValue: raw), allowed.contains(code) else {
            throw reader.failure("bad outcome code")
        }
        return code
    }

    private static func decodeGrant(from reader: inout BodyReader) throws(RecordDecodingError) -> GrantRecord {
        let flags = try readFlags(from: &reader, allowedMask: 0b1_1111)
        let source = GrantSource.allCases[Int(flags & 0b11)]
        let rejection = try decodeRejection(
            try reader.readByte(), allowed: grantRejections, from: reader)
        let userID = try reader.readIdentifier()
        let amount = try reader.readAmount(positiveAmounts)
        let initiatedBy = flags & (1 << 2) != 0 ? try reader.readIdentifier() : nil
        let reason = flags & (1 << 3) != 0 ? try reader.readText() : nil
        let key = flags & (1 << 4) != 0 ? try reader.readIdentifier() : nil
        if source == .admin && (initiatedBy == nil || amount.rawValue > RecordLimits.adminGrantAmountMax) {
            throw reader.failure("admin grant out of bounds")
        }
        return GrantRecord(
            command: Command.Grant(
                userID: userID, amount: amount, source: source, initiatedBy: initiatedBy, reason: reason,
                idempotencyKey: key),
            rejection: rejection)
    }

    private static func decodeDebit(from reader: inout BodyReader) throws(RecordDecodingError) -> DebitRecord {
        let head = try decodeDebitHead(from: &reader)
        let flags = head.flags
        let sessionID = flags & (1 << 0) != 0 ? try reader.readIdentifier() : nil
        let requestID = flags & (1 << 1) != 0 ? try reader.readText() : nil
        let key = flags & (1 << 2) != 0 ? try reader.readIdentifier() : nil
        return DebitRecord(
            command: Command.Debit(
                userID: String(decoding: head.userIDBytes, as: UTF8.self), amount: head.amount, sessionID: sessionID,
                requestID: requestID, idempotencyKey: key),
            enforcementEnabled: head.enforcementEnabled, outcome: head.outcome)
    }

    /// A debit body up to its optional strings (`flags` bits 0–2 say which follow): what ``decodeDebit(from:)`` and
    /// ``decodeKeyedDebit(bodyBytes:)`` share, the user id as a view of the body.
    private static func decodeDebitHead(
        from reader: inout BodyReader
    ) throws(RecordDecodingError) -> (
        flags: UInt8, userIDBytes: UnsafeBufferPointer<UInt8>, amount: Millicredits, enforcementEnabled: Bool,
        outcome: DebitOutcome
    ) {
        let flags = try readFlags(from: &reader, allowedMask: 0b111_1111)
        let outcomeByte = try reader.readByte()
        let userIDBytes = try reader.readIdentifierBytes()
        let amount = try reader.readAmount(positiveAmounts)
        let warned = flags & (1 << 4) != 0
        let anomaly = flags & (1 << 5) != 0
        let outcome: DebitOutcome
        switch outcomeByte >> 4 {
        case 0 where outcomeByte == 0:
            var charged = amount
            if flags & (1 << 6) != 0 {
                charged = try reader.readAmount(positiveAmounts)
                guard charged != amount else { throw reader.failure("explicit charge equal to the amount") }
            }
            outcome = .charged(charged, warned: warned, anomaly: anomaly)
        case 0:
            outcome = .rejected(try decodeRejection(outcomeByte, allowed: debitRejections, from: reader)!)
        case 1 where outcomeByte & 0x0f == 0: outcome = .free
        case 2 where outcomeByte & 0x0f == 0: outcome = .shadow
        default: throw reader.failure("bad debit outcome")
        }
        if case .charged = outcome {
        } else if warned || anomaly || flags & (1 << 6) != 0 {
            throw reader.failure("warned/anomaly without charge")
        }
        return (flags, userIDBytes, amount, flags & (1 << 3) != 0, outcome)
    }

    private static func decodeRefund(from reader: inout BodyReader) throws(RecordDecodingError) -> RefundRecord {
        let flags = try readFlags(from: &reader, allowedMask: 0b1)
        let rejection = try decodeRejection(try reader.readByte(), allowed: refundRejections, from: reader)
        let userID = try reader.readIdentifier()
        let debitSeq = try reader.readSigned()
        let amount = try reader.readAmount(positiveAmounts)
        let initiatedBy = try reader.readIdentifier()
        let reason = flags & 1 != 0 ? try reader.readText() : nil
        return RefundRecord(
            command: Command.Refund(
                userID: userID, debitSeq: debitSeq, amount: amount, initiatedBy: initiatedBy, reason: reason),
            rejection: rejection)
    }

    private static func decodeDefinePlan(
        from reader: inout BodyReader
    ) throws(RecordDecodingError) -> Command.DefinePlan {
        let flags = try readFlags(from: &reader, allowedMask: 0b11)
        let planID = try reader.readIdentifier()
        let graceCount = try reader.readUnsigned()
        let thresholds = Thresholds(
            warnPct: try reader.readUnsigned(), hardPct: try reader.readUnsigned(),
            graceHours: try reader.readUnsigned(), overageBufferPct: try reader.readUnsigned())
        var entitlements: [String: Int64] = [:]
        var previousKey: String?
        for _ in 0..<(try readCount(from: &reader)) {
            let key = try reader.readIdentifier()
            if let previousKey, !(previousKey < key) { throw reader.failure("entitlement keys not ascending") }
            previousKey = key
            let limit = try reader.readSigned()
            guard limit >= -1 else { throw reader.failure("entitlement limit below -1") }
            entitlements[key] = limit
        }
        var usageKeys: [String: String] = [:]
        previousKey = nil
        for _ in 0..<(try readCount(from: &reader)) {
            let key = try reader.readIdentifier()
            if let previousKey, !(previousKey < key) { throw reader.failure("usage keys not ascending") }
            previousKey = key
            usageKeys[key] = try reader.readIdentifier()
        }
        let rules =
            flags & (1 << 1) != 0 ? try reader.readText(sizeBytesMax: RecordLimits.moduleRulesSizeBytesMax) : nil
        return Command.DefinePlan(
            planID: planID, entitlements: entitlements, usageKeys: usageKeys, enforcementEnabled: flags & 1 != 0,
            enforcementGraceCount: graceCount, thresholds: thresholds, moduleRulesJSON: rules,
            initiatedBy: try reader.readIdentifier())
    }

    private static func readCount(from reader: inout BodyReader) throws(RecordDecodingError) -> Int {
        let count = try reader.readUnsigned()
        // Every entry takes at least two bytes, which bounds a count before any allocation.
        guard count <= Int64(min(RecordLimits.collectionCountMax, reader.remainingCount / 2)) else {
            throw reader.failure("count out of range")
        }
        return Int(count)
    }

    private static func decodeConsume(from reader: inout BodyReader) throws(RecordDecodingError) -> ConsumeRecord {
        let flags = try readFlags(from: &reader, allowedMask: 0b1)
        let outcomeByte = try reader.readByte()
        let outcome: ConsumeOutcome
        switch (outcomeByte >> 4, outcomeByte & 0x0f) {
        case (0, 0): outcome = .withinLimit
        case (1, 0): outcome = .grace
        case (2, 0): outcome = .warned
        case (0, let raw):
            outcome = .rejected(try decodeRejection(raw, allowed: consumeRejections, from: reader)!)
        default: throw reader.failure("bad consume outcome")
        }
        let userID = try reader.readIdentifier()
        let key = try reader.readIdentifier()
        let quantity = try reader.readUnsigned()
        guard quantity >= 1 else { throw reader.failure("quantity below 1") }
        let idempotencyKey = flags & 1 != 0 ? try reader.readIdentifier() : nil
        return ConsumeRecord(
            command: Command.Consume(
                userID: userID, entitlementKey: key, quantity: quantity, idempotencyKey: idempotencyKey),
            outcome: outcome)
    }
}
