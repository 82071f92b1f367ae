/// Body encoding, version 1 (layout in docs/record-format.md).
///
/// Each body starts with a presence/flags byte where the kind has optional fields; amounts and counts are
/// varints, signed values zigzag varints, identifiers a length byte and their bytes, text a varint length and UTF-8.
/// Maps are written in ascending key order; reserved bits are zero. Deterministic: equal records, equal bytes.
extension LedgerRecord {
    public func encodeBody(into bytes: inout [UInt8]) {
        var writer = BodyWriter(bytes: [])
        swap(&writer.bytes, &bytes)
        defer { swap(&writer.bytes, &bytes) }
        switch self {
        case .grant(let record): Self.encode(record, into: &writer)
        case .debit(let record): Self.encode(record, into: &writer)
        case .refund(let record): Self.encode(record, into: &writer)
        case .setFlag(let command):
            writer.writeByte(FlagCoding.index(of: command.flag))
            FlagCoding.encodeValue(command.value, into: &writer)
            writer.writeIdentifier(command.initiatedBy)
        case .clearFlag(let command):
            writer.writeByte(FlagCoding.index(of: command.flag))
            writer.writeIdentifier(command.initiatedBy)
        case .definePlan(let command): Self.encode(command, into: &writer)
        case .subscribe(let command):
            writer.writeByte(command.initiatedBy == nil ? 0 : 1)
            writer.writeIdentifier(command.userID)
            writer.writeIdentifier(command.planID)
            if let initiatedBy = command.initiatedBy { writer.writeIdentifier(initiatedBy) }
        case .setOverride(let command):
            writer.writeByte(command.expiresAt == nil ? 0 : 1)
            writer.writeIdentifier(command.userID)
            writer.writeIdentifier(command.entitlementKey)
            writer.writeSigned(command.value)
            if let expiresAt = command.expiresAt { writer.writeSigned(expiresAt.rawValue) }
            writer.writeIdentifier(command.initiatedBy)
        case .clearOverride(let command):
            writer.writeIdentifier(command.userID)
            writer.writeIdentifier(command.entitlementKey)
            writer.writeIdentifier(command.initiatedBy)
        case .consume(let record): Self.encode(record, into: &writer)
        case .suspend(let command), .reinstate(let command):
            writer.writeByte(command.reason == nil ? 0 : 1)
            writer.writeIdentifier(command.userID)
            writer.writeIdentifier(command.initiatedBy)
            if let reason = command.reason { writer.writeText(reason) }
        case .setUserLimits(let command):
            let patches = [command.singleRequestCap, command.dailyCap, command.sessionCap]
            var flags: UInt8 = 0
            for (index, patch) in patches.enumerated() {
                flags |= Self.patchBits(patch) << (UInt8(index) * 2)
            }
            writer.writeByte(flags)
            writer.writeIdentifier(command.userID)
            for patch in patches {
                if case .set(let cap) = patch { writer.writeUnsigned(cap.rawValue) }
            }
            writer.writeIdentifier(command.initiatedBy)
        case .breakerSuspension(let userID):
            writer.writeIdentifier(userID)
        case .paymentEvent(let event): Self.encode(event, into: &writer)
        case .purchaseGrant(let record): Self.encode(record, into: &writer)
        case .cashRefund(let record): Self.encode(record, into: &writer)
        case .paymentAttempt(let record): Self.encode(record, into: &writer)
        }
    }

    /// The encoded body as a new array (tests, the verifier).
    public var encodedBody: [UInt8] {
        var bytes: [UInt8] = []
        encodeBody(into: &bytes)
        return bytes
    }

    static func patchBits(_ patch: CapPatch) -> UInt8 {
        switch patch {
        case .unchanged: 0
        case .clear: 1
        case .set: 2
        }
    }

    private static func encode(_ record: GrantRecord, into writer: inout BodyWriter) {
        let command = record.command
        var flags = UInt8(GrantSource.allCases.firstIndex(of: command.source)!)
        if command.initiatedBy != nil { flags |= 1 << 2 }
        if command.reason != nil { flags |= 1 << 3 }
        if command.idempotencyKey != nil { flags |= 1 << 4 }
        writer.writeByte(flags)
        writer.writeByte(record.rejection?.rawValue ?? 0)
        writer.writeIdentifier(command.userID)
        writer.writeUnsigned(command.amount.rawValue)
        if let initiatedBy = command.initiatedBy { writer.writeIdentifier(initiatedBy) }
        if let reason = command.reason { writer.writeText(reason) }
        if let key = command.idempotencyKey { writer.writeIdentifier(key) }
    }

    private static func encode(_ record: DebitRecord, into writer: inout BodyWriter) {
        let command = record.command
        var flags: UInt8 = 0
        if command.sessionID != nil { flags |= 1 << 0 }
        if command.requestID != nil { flags |= 1 << 1 }
        if command.idempotencyKey != nil { flags |= 1 << 2 }
        if record.enforcementEnabled { flags |= 1 << 3 }
        var outcome: UInt8 = 0
        var charged: Millicredits?
        switch record.outcome {
        case .charged(let amount, let warned, let anomaly):
            // A decided debit charges its amount; only a different charge (a forged record) is written out.
            if amount != command.amount {
                charged = amount
                flags |= 1 << 6
            }
            if warned { flags |= 1 << 4 }
            if anomaly { flags |= 1 << 5 }
        case .free: outcome = 1 << 4
        case .shadow: outcome = 2 << 4
        case .rejected(let code): outcome = code.rawValue
        }
        writer.writeByte(flags)
        writer.writeByte(outcome)
        writer.writeIdentifier(command.userID)
        writer.writeUnsigned(command.amount.rawValue)
        if let charged { writer.writeUnsigned(charged.rawValue) }
        if let sessionID = command.sessionID { writer.writeIdentifier(sessionID) }
        if let requestID = command.requestID { writer.writeText(requestID) }
        if let key = command.idempotencyKey { writer.writeIdentifier(key) }
    }

    private static func encode(_ record: RefundRecord, into writer: inout BodyWriter) {
        let command = record.command
        writer.writeByte(command.reason == nil ? 0 : 1)
        writer.writeByte(record.rejection?.rawValue ?? 0)
        writer.writeIdentifier(command.userID)
        writer.writeSigned(command.debitSeq)
        writer.writeUnsigned(record.amount.rawValue)
        writer.writeIdentifier(command.initiatedBy)
        if let reason = command.reason { writer.writeText(reason) }
    }

    private static func encode(_ command: Command.DefinePlan, into writer: inout BodyWriter) {
        var flags: UInt8 = 0
        if command.enforcementEnabled { flags |= 1 << 0 }
        if command.moduleRulesJSON != nil { flags |= 1 << 1 }
        writer.writeByte(flags)
        writer.writeIdentifier(command.planID)
        writer.writeUnsigned(command.enforcementGraceCount)
        writer.writeUnsigned(command.thresholds.warnPct)
        writer.writeUnsigned(command.thresholds.hardPct)
        writer.writeUnsigned(command.thresholds.graceHours)
        writer.writeUnsigned(command.thresholds.overageBufferPct)
        writer.writeUnsigned(Int64(command.entitlements.count))
        for key in command.entitlements.keys.sorted() {
            writer.writeIdentifier(key)
            writer.writeSigned(command.entitlements[key]!)
        }
        writer.writeUnsigned(Int64(command.usageKeys.count))
        for key in command.usageKeys.keys.sorted() {
            writer.writeIdentifier(key)
            writer.writeIdentifier(command.usageKeys[key]!)
        }
        if let rules = command.moduleRulesJSON { writer.writeText(rules) }
        writer.writeIdentifier(command.initiatedBy)
    }

    private static func encode(_ record: ConsumeRecord, into writer: inout BodyWriter) {
        let command = record.command
        writer.writeByte(command.idempotencyKey == nil ? 0 : 1)
        let outcome: UInt8 =
            switch record.outcome {
            case .withinLimit: 0
            case .grace: 1 << 4
            case .warned: 2 << 4
            case .rejected(let code): code.rawValue
            }
        writer.writeByte(outcome)
        writer.writeIdentifier(command.userID)
        writer.writeIdentifier(command.entitlementKey)
        writer.writeUnsigned(command.quantity)
        if let key = command.idempotencyKey { writer.writeIdentifier(key) }
    }
}
