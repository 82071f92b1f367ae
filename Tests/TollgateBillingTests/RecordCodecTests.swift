import Testing

@testable import TollgateBilling

/// Record bodies: round trip for every kind, determinism, compactness, and errors (never traps) on bad bytes.
@Suite struct RecordCodecTests {
    /// Each kind of record accepts exactly its own rejection codes (the decoder's constant lists, which replaced a
    /// `Set` literal per record): every code byte 1…15 in the outcome position decodes iff the kind allows it.
    @Test func eachKindAcceptsExactlyItsRejectionCodes() {
        let cases: [(LedgerRecord, Set<UInt8>)] = [
            (.grant(GrantRecord(
                command: Command.Grant(userID: "u", amount: testCredits("1"), source: .promo),
                rejection: .idempotencyConflict)), [1, 8]),
            (.debit(DebitRecord(
                command: Command.Debit(userID: "u", amount: testCredits("1")), enforcementEnabled: true,
                outcome: .rejected(.insufficientCredits))), [1, 2, 3, 4, 5, 6, 8]),
            (.refund(RefundRecord(
                command: Command.Refund(userID: "u", debitSeq: 1, amount: testCredits("1"), initiatedBy: "admin"),
                rejection: .balanceLimitExceeded)), [8]),
            (.consume(ConsumeRecord(
                command: Command.Consume(userID: "u", entitlementKey: "k"), outcome: .rejected(.quotaExceeded))),
             [1, 2, 7]),
        ]
        for (record, allowed) in cases {
            var body: [UInt8] = []
            record.encodeBody(into: &body)
            #expect(LedgerRecord.decode(typeTag: record.typeTag, body: body) == .success(record))
            for code in 1...15 as ClosedRange<UInt8> {
                var patched = body
                patched[1] = code  // The rejection (grant, refund) or outcome (debit, consume) byte.
                let decodes = (try? LedgerRecord.decode(typeTag: record.typeTag, body: patched).get()) != nil
                #expect(decodes == allowed.contains(code), "\(record.summary) code \(code)")
            }
        }
    }

    static let samples: [LedgerRecord] =
        [
            .grant(GrantRecord(command: Command.Grant(userID: "u", amount: testCredits("1"), initiatedBy: "admin"))),
            .grant(
                GrantRecord(
                    command: Command.Grant(
                        userID: "u-1", amount: testCredits("9000000000000"), source: .purchase,
                        reason: "thanks \u{1F600}\n", idempotencyKey: "k:1"))),
            .grant(
                GrantRecord(
                    command: Command.Grant(userID: "u", amount: testCredits("1"), source: .promo, idempotencyKey: "k"),
                    rejection: .idempotencyConflict)),
            .grant(
                GrantRecord(
                    command: Command.Grant(
                        userID: "u", amount: testCredits("1"), source: .adjustment, initiatedBy: "x@y"),
                    rejection: .balanceLimitExceeded)),
            .debit(
                DebitRecord(
                    command: Command.Debit(userID: "user-1234", amount: testCredits("1.5")), enforcementEnabled: false,
                    outcome: .charged(testCredits("1.5"), warned: true, anomaly: false))),
            .debit(
                DebitRecord(
                    command: Command.Debit(
                        userID: "u", amount: testCredits("1.5"), sessionID: "s", requestID: "", idempotencyKey: "k"),
                    enforcementEnabled: true, outcome: .charged(testCredits("1.5"), warned: false, anomaly: true))),
            .debit(
                DebitRecord(
                    command: Command.Debit(userID: "u", amount: testCredits("2"), requestID: "req \"x\""),
                    enforcementEnabled: true, outcome: .free)),
            .debit(
                DebitRecord(
                    command: Command.Debit(userID: "u", amount: testCredits("2")), enforcementEnabled: false,
                    outcome: .shadow)),
        ]
        + RejectionCode.allCases.filter { $0 != .quotaExceeded }.map {
            .debit(
                DebitRecord(
                    command: Command.Debit(userID: "u", amount: testCredits("3"), sessionID: "s"),
                    enforcementEnabled: true,
                    outcome: .rejected($0)))
        } + [
            .refund(
                RefundRecord(
                    command: Command.Refund(
                        userID: "u", debitSeq: 12345678, amount: testCredits("0.001"), initiatedBy: "ops"))),
            .refund(
                RefundRecord(
                    command: Command.Refund(
                        userID: "u", debitSeq: -5, amount: testCredits("1"), initiatedBy: "ops", reason: "r"),
                    rejection: .balanceLimitExceeded)),
        ] + Self.flagValues.map { .setFlag(Command.SetFlag(value: $0, initiatedBy: "ops")) }
        + Flag.allCases.map { .clearFlag(Command.ClearFlag(flag: $0, initiatedBy: "ops")) } + [
            .definePlan(Command.DefinePlan(planID: "p", initiatedBy: "ops")),
            .definePlan(
                Command.DefinePlan(
                    planID: "pro.v2", entitlements: ["b": -1, "a": 0, "c.max": 9_000_000_000],
                    usageKeys: ["a": "x", "c.max": "y"], enforcementEnabled: true, enforcementGraceCount: 7,
                    thresholds: Thresholds(warnPct: 0, hardPct: 1000, graceHours: 0, overageBufferPct: 5),
                    moduleRulesJSON: #"{"apiTraces":{"samplingRate":10}}"#, initiatedBy: "ops")),
            .subscribe(Command.Subscribe(userID: "u", planID: "p")),
            .subscribe(Command.Subscribe(userID: "u", planID: "p", initiatedBy: "me")),
            .setOverride(Command.SetOverride(userID: "u", entitlementKey: "k", value: -1, initiatedBy: "ops")),
            .setOverride(
                Command.SetOverride(
                    userID: "u", entitlementKey: "k", value: 0, expiresAt: testTime("2026-03-01T00:00:00.001Z"),
                    initiatedBy: "ops")),
            .setOverride(
                Command.SetOverride(
                    userID: "u", entitlementKey: "k", value: .max, expiresAt: Timestamp(rawValue: -62_135_596_800_000),
                    initiatedBy: "ops")),
            .clearOverride(Command.ClearOverride(userID: "u", entitlementKey: "k", initiatedBy: "ops")),
            .consume(ConsumeRecord(command: Command.Consume(userID: "u", entitlementKey: "k"), outcome: .withinLimit)),
            .consume(
                ConsumeRecord(
                    command: Command.Consume(userID: "u", entitlementKey: "k", quantity: .max, idempotencyKey: "i"),
                    outcome: .grace)),
            .consume(
                ConsumeRecord(command: Command.Consume(userID: "u", entitlementKey: "k", quantity: 3), outcome: .warned)
            ),
            .consume(
                ConsumeRecord(
                    command: Command.Consume(userID: "u", entitlementKey: "k"), outcome: .rejected(.quotaExceeded))),
            .consume(
                ConsumeRecord(
                    command: Command.Consume(userID: "u", entitlementKey: "k"), outcome: .rejected(.accountSuspended))),
            .consume(
                ConsumeRecord(
                    command: Command.Consume(userID: "u", entitlementKey: "k", idempotencyKey: "i"),
                    outcome: .rejected(.idempotencyConflict))),
            .suspend(Command.AccountAction(userID: "u", initiatedBy: "ops")),
            .suspend(Command.AccountAction(userID: "u", initiatedBy: "system", reason: "circuit_breaker")),
            .reinstate(Command.AccountAction(userID: "u", initiatedBy: "ops", reason: "")),
            .setUserLimits(Command.SetUserLimits(userID: "u", initiatedBy: "ops")),
            .setUserLimits(
                Command.SetUserLimits(
                    userID: "u", singleRequestCap: .set(.zero), dailyCap: .clear,
                    sessionCap: .set(testCredits("9000000000000")), initiatedBy: "ops")),
            .breakerSuspension(userID: String(repeating: "z", count: 128)),
            .paymentEvent(
                PaymentEvent(
                    eventID: "evt_1", kind: .checkoutSessionCompleted, createdUnixSeconds: 1_764_000_000,
                    userID: "u", amountCents: 1999, currency: "usd", paymentID: "pi_1")),
            .paymentEvent(
                PaymentEvent(
                    eventID: "evt_2", kind: .chargeRefunded, createdUnixSeconds: -1, userID: nil,
                    amountCents: PaymentEvent.amountCentsMax + 1, currency: "eur", paymentID: "pi_1")),
            .purchaseGrant(
                PurchaseGrantRecord(
                    eventID: "evt_1", attempt: 1, initiatedBy: "webhook", userID: "u", paymentID: "pi_1",
                    amount: testCredits("19990"))),
            .cashRefund(
                CashRefundRecord(
                    eventID: "evt_3", attempt: 6, initiatedBy: "ops", userID: "u", paymentID: "pi_1", purchaseSeq: 4,
                    amount: testCredits("9000000000000"))),
            .paymentAttempt(
                PaymentAttemptRecord(eventID: "evt_4", attempt: 2, initiatedBy: "system", outcome: .alreadyRefunded)),
        ]

    static let flagValues: [FlagValue] = [
        .creditEnforcementEnabled(true), .creditEnforcementEnabled(false), .shadowBillingEnabled(true),
        .billingChargingEnabled(false), .billingRolloutPercentage(0), .billingRolloutPercentage(100),
        .billingAllowlist([]), .billingAllowlist(["a", "b", "a"]), .lowBalanceThreshold(testCredits("-9000000000000")),
        .lowBalanceThreshold(testCredits("5")), .singleRequestCap(.zero), .dailyCap(testCredits("1")),
        .sessionCap(testCredits("2")),
        .anomalyCircuitBreakerEnabled(true),
    ]

    @Test(arguments: samples)
    func roundTrip(_ record: LedgerRecord) throws {
        let body = record.encodedBody
        let decoded = try LedgerRecord.decode(typeTag: record.typeTag, body: body).get()
        #expect(decoded == record)
        #expect(decoded.encodedBody == body)
        // Any collection of bytes decodes the same.
        #expect(try LedgerRecord.decode(typeTag: record.typeTag, body: body[...]).get() == record)
        #expect(try LedgerRecord.decode(typeTag: record.typeTag, body: AnyCollection(body)).get() == record)
    }

    /// Every kind has a sample.
    @Test func everyKindCovered() {
        #expect(Set(Self.samples.map(\.typeTag)) == Set(LedgerRecordKind.allCases.map(\.rawValue)))
    }

    /// Every strict prefix of a body fails to decode, as does the body with a trailing byte.
    @Test(arguments: samples)
    func truncationAndTrailingBytesFail(_ record: LedgerRecord) {
        let body = record.encodedBody
        for length in 0..<body.count {
            #expect(throws: RecordDecodingError.self) {
                try LedgerRecord.decode(typeTag: record.typeTag, body: body.prefix(length)).get()
            }
        }
        #expect(throws: RecordDecodingError.self) {
            try LedgerRecord.decode(typeTag: record.typeTag, body: body + [0]).get()
        }
    }

    /// Garbage never traps; whatever decodes re-encodes to the same bytes (one canonical form).
    @Test(arguments: 0..<8 as Range<UInt64>)
    func garbageNeverTraps(seed: UInt64) {
        var random = BillingSplitMix64(seed: seed)
        for _ in 0..<3000 {
            let tag = UInt8.random(in: 0...16, using: &random)
            var body: [UInt8]
            if Bool.random(using: &random), let sample = Self.samples.randomElement(using: &random) {
                body = sample.encodedBody  // a mutated valid body reaches deeper
                for _ in 0..<Int.random(in: 1...3, using: &random) where !body.isEmpty {
                    body[Int.random(in: 0..<body.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
                }
            } else {
                body = (0..<Int.random(in: 0...40, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random)
                }
            }
            if case .success(let record) = LedgerRecord.decode(typeTag: tag, body: body) {
                #expect(record.encodedBody == body, "seed \(seed)")
                #expect(record.typeTag == tag)
            }
        }
    }

    struct BadBody: CustomTestStringConvertible, Sendable {
        var name: String
        var tag: UInt8
        var body: [UInt8]
        var testDescription: String { name }
    }

    static let badBodies: [BadBody] = [
        BadBody(name: "unknown tag", tag: 0, body: []),
        BadBody(name: "unknown tag 15", tag: 15, body: [1, 0x75]),
        BadBody(name: "overlong varint amount", tag: 2, body: [0, 0, 1, 0x75, 0x81, 0x00, 1]),
        BadBody(name: "reserved debit flag bit", tag: 2, body: [0x40, 0, 1, 0x75, 1, 1]),
        BadBody(name: "zero amount", tag: 2, body: [0, 0, 1, 0x75, 0, 0]),
        BadBody(name: "empty identifier", tag: 14, body: [0]),
        BadBody(name: "bad identifier byte", tag: 14, body: [1, 0x20]),
        BadBody(name: "identifier too long", tag: 14, body: [129] + Array(repeating: 0x61, count: 129)),
        BadBody(name: "unknown flag", tag: 5, body: [10, 1, 0x61]),
        BadBody(name: "rollout above 100", tag: 4, body: [3, 101, 1, 0x61]),
        BadBody(name: "bool not 0/1", tag: 4, body: [0, 2, 1, 0x61]),
        BadBody(name: "admin grant without initiated_by", tag: 1, body: [0, 0, 1, 0x75, 1]),
        BadBody(name: "quota_exceeded on a debit", tag: 2, body: [0, 7, 1, 0x75, 1]),
        BadBody(name: "warned on a free debit", tag: 2, body: [0x10, 0x10, 1, 0x75, 1]),
        BadBody(
            name: "plan keys out of order", tag: 6,
            body: [0, 1, 0x70, 0, 80, 100, 48, 0, 2, 1, 0x62, 0, 1, 0x61, 0, 0, 1, 0x6f]),
        BadBody(name: "huge count", tag: 6, body: [0, 1, 0x70, 0, 80, 100, 48, 0, 0xff, 0xff, 0xff, 0xff, 0x0f]),
        BadBody(name: "text not UTF-8", tag: 11, body: [1, 1, 0x75, 1, 0x6f, 1, 0xff]),
        BadBody(
            name: "varint beyond 64 bits", tag: 3,
            body: [0, 0, 1, 0x75, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]),
    ]

    @Test(arguments: badBodies)
    func badBodiesFail(_ bad: BadBody) {
        #expect(throws: RecordDecodingError.self) { try LedgerRecord.decode(typeTag: bad.tag, body: bad.body).get() }
    }

    /// Deterministic bytes: maps are written in key order whatever their insertion order.
    @Test func mapsEncodeSorted() {
        var forward: [String: Int64] = [:]
        var backward: [String: Int64] = [:]
        let keys = (0..<50).map { "key\($0)" }
        for key in keys { forward[key] = 1 }
        for key in keys.reversed() { backward[key] = 1 }
        let a = LedgerRecord.definePlan(Command.DefinePlan(planID: "p", entitlements: forward, initiatedBy: "o"))
        let b = LedgerRecord.definePlan(Command.DefinePlan(planID: "p", entitlements: backward, initiatedBy: "o"))
        #expect(a.encodedBody == b.encodedBody)
    }

    /// Compact: a typical charged debit is 14 bytes; the charge is written only when it differs from the amount.
    @Test func debitBodyIsCompact() throws {
        let debit = Command.Debit(userID: "user-1234", amount: testCredits("1.5"))
        let record = LedgerRecord.debit(
            DebitRecord(
                command: debit, enforcementEnabled: true,
                outcome: .charged(testCredits("1.5"), warned: false, anomaly: false)))
        #expect(record.encodedBody == [0x08, 0x00, 9] + Array("user-1234".utf8) + [0xdc, 0x0b])
        let forged = LedgerRecord.debit(
            DebitRecord(
                command: debit, enforcementEnabled: true,
                outcome: .charged(testCredits("2"), warned: false, anomaly: false)))
        #expect(forged.encodedBody == [0x48, 0x00, 9] + Array("user-1234".utf8) + [0xdc, 0x0b, 0xd0, 0x0f])
        #expect(try LedgerRecord.decode(typeTag: 2, body: forged.encodedBody).get() == forged)
        // Non-canonical: an explicit charge equal to the amount.
        #expect(throws: RecordDecodingError.self) {
            try LedgerRecord.decode(
                typeTag: 2, body: [0x48, 0x00, 9] + Array("user-1234".utf8) + [0xdc, 0x0b, 0xdc, 0x0b]
            )
            .get()
        }
    }

    /// Zigzag and LEB128 at the extremes of Int64.
    @Test(arguments: [Int64.min, Int64.min + 1, -1, 0, 1, 127, 128, Int64.max - 1, Int64.max])
    func extremeSignedValues(value: Int64) throws {
        let refund = LedgerRecord.refund(
            RefundRecord(
                command: Command.Refund(userID: "u", debitSeq: value, amount: testCredits("1"), initiatedBy: "o")))
        #expect(try LedgerRecord.decode(typeTag: refund.typeTag, body: refund.encodedBody).get() == refund)
        let override = LedgerRecord.setOverride(
            Command.SetOverride(
                userID: "u", entitlementKey: "k", value: max(value, -1), expiresAt: Timestamp(rawValue: value),
                initiatedBy: "o"))
        #expect(try LedgerRecord.decode(typeTag: override.typeTag, body: override.encodedBody).get() == override)
    }

    /// encodeBody appends to what the buffer already holds (one reused buffer).
    @Test func encodeAppends() {
        var buffer: [UInt8] = [0xaa]
        LedgerRecord.breakerSuspension(userID: "u").encodeBody(into: &buffer)
        #expect(buffer == [0xaa, 1, 0x75])
    }
}
