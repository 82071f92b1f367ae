/// The state as bytes: every field of ``State``, fixed-width little-endian, maps and sets in ascending key order,
/// so equal states give equal bytes. Layout in docs/snapshots.md ("State encoding").
///
/// Decoding is strict: bounds, counts, slots, enum values and invariants are checked, and the decoded state must
/// re-encode to exactly the bytes given (one canonical encoding per state). Garbage yields an error, never a trap;
/// allocation is bounded by the input size (every count is checked against the bytes left).
extension State {
    /// "TGST".
    static let snapshotMagic: UInt32 = 0x5453_4754
    /// Version 1; a changed layout takes a new version and the decoder keeps reading the old ones.
    public static let snapshotFormatVersion: UInt16 = 1

    /// The canonical encoding of this state.
    public func snapshotBytes() -> [UInt8] {
        var writer = SnapshotWriter()
        writer.bytes.reserveCapacity(64 + accounts.count * 48 + chargedDebits.count * 6)
        let version = snapshotVersionToWrite
        encodeSnapshotHead(version: version, into: &writer)
        encodeChargedDebits(into: &writer)
        encodeSnapshotTail(version: version, into: &writer)
        return writer.bytes
    }

    /// Decodes ``snapshotBytes()``; any deviation is an error.
    ///
    /// Canonical form is checked by re-encoding every section except the charged debits and comparing bytes. The
    /// charged-debit section (the one that grows with the log: ~90 % of a big snapshot) is canonical by
    /// construction of its strict decode, so re-encoding it would only cost time: its count is the number of
    /// entries read, each field is a varint the decoder accepts only in its minimal (unique) form, and the values
    /// checked (seq delta ≥ 1, slot < user count, amount ≥ 1, all ≤ Int64.max) re-encode to exactly those varints.
    /// `StateSnapshotTests` and the snapshot fuzz target re-encode every accepted input whole to hold this.
    public static func decodeSnapshot(_ bytes: [UInt8]) -> Result<State, StateSnapshotError> {
        do throws(StateSnapshotError) {
            var reader = SnapshotReader(bytes: bytes)
            let (state, version, chargedRange) = try decode(&reader)
            guard reader.remainingCount == 0 else { throw reader.failure("trailing bytes") }
            let problems = state.invariantViolations()
            guard problems.isEmpty else {
                throw StateSnapshotError(offset: bytes.count, message: "inconsistent state: \(problems.prefix(3))")
            }
            // The header's version is part of the canonical form (1 without payments, 2 with).
            guard version == state.snapshotVersionToWrite else {
                throw StateSnapshotError(offset: 4, message: "not the canonical encoding")
            }
            var head = SnapshotWriter()
            state.encodeSnapshotHead(version: version, into: &head)
            try requireCanonical(head.bytes, equals: bytes[..<chargedRange.lowerBound])
            var tail = SnapshotWriter()
            state.encodeSnapshotTail(version: version, into: &tail)
            try requireCanonical(tail.bytes, equals: bytes[chargedRange.upperBound...])
            return .success(state)
        } catch {
            return .failure(error)
        }
    }

    /// Throws "not the canonical encoding" at the first byte where `encoded` and `given` differ.
    private static func requireCanonical(_ encoded: [UInt8], equals given: ArraySlice<UInt8>)
        throws(StateSnapshotError)
    {
        guard !encoded.elementsEqual(given) else { return }
        let mismatch = zip(encoded, given).enumerated().first { $0.element.0 != $0.element.1 }
        let index = mismatch?.offset ?? min(encoded.count, given.count)
        throw StateSnapshotError(offset: given.startIndex + index, message: "not the canonical encoding")
    }

    /// Everything before the charged debits: header, flags, liability, users, details, plans.
    func encodeSnapshotHead(version: UInt16, into writer: inout SnapshotWriter) {
        writer.u32(Self.snapshotMagic)
        writer.u16(version)
        writer.u16(0)
        writer.bool(configuration.creditEnforcementEnabled)
        writer.optionalI64(lastRecordTime?.rawValue)
        writer.i64(recordCount)
        encodeFlags(into: &writer)
        writer.u64(UInt64(truncatingIfNeeded: liabilityTotal))
        writer.i64(Int64(truncatingIfNeeded: liabilityTotal >> 64))

        writer.count(accounts.count)
        for account in accounts { Self.encode(account, into: &writer) }
        writer.count(details.count)
        for entry in details { Self.encode(entry, into: &writer) }
        writer.count(plans.count)
        for plan in plans {
            Self.encode(plan.definition, into: &writer)
            writer.count(plan.subscribers.count)
            for slot in plan.subscribers.sorted() { writer.i32(slot) }
        }
    }

    /// The one part that grows with the log: varints, seqs as deltas (~5 bytes a debit instead of 20).
    func encodeChargedDebits(into writer: inout SnapshotWriter) {
        writer.count(chargedDebits.count)
        var previousSeq: Int64 = 0
        for index in 0..<chargedDebits.count {
            let entry = chargedDebits.entry(at: index)
            writer.varint(UInt64(entry.seq - previousSeq))
            writer.varint(UInt64(entry.userSlot))
            writer.varint(UInt64(entry.charged))
            previousSeq = entry.seq
        }
    }

    /// Everything after the charged debits: refunded totals, then (version 2) payments.
    func encodeSnapshotTail(version: UInt16, into writer: inout SnapshotWriter) {
        writer.count(chargedDebits.refunded.count)
        for (seq, amount) in chargedDebits.refunded.sorted(by: { $0.key < $1.key }) {
            writer.i64(seq)
            writer.i64(amount)
        }
        if version >= Self.snapshotFormatVersionPayments { encodePayments(into: &writer) }
    }

    // MARK: Encoding

    private func encodeFlags(into writer: inout SnapshotWriter) {
        writer.u8(flags.enforcementOverride.map { $0 ? 2 : 1 } ?? 0)
        writer.bool(flags.shadowBillingEnabled)
        writer.bool(flags.billingChargingEnabled)
        writer.i64(flags.rolloutPercentage)
        writer.count(flags.allowlist.count)
        for user in flags.allowlist.sorted() { writer.string(user) }
        writer.i64(flags.lowBalanceThreshold.rawValue)
        writer.i64(flags.singleRequestCap.rawValue)
        writer.i64(flags.dailyCap.rawValue)
        writer.i64(flags.sessionCap.rawValue)
        writer.bool(flags.anomalyCircuitBreakerEnabled)
    }

    private static func encode(_ account: UserAccount, into writer: inout SnapshotWriter) {
        writer.string(account.userID)
        writer.i64(account.balance.rawValue)
        writer.i64(account.dayCharged)
        writer.i32(account.dayNumber)
        writer.i32(account.detailsSlot)
        writer.u8((account.hasLedgerActivity ? 1 : 0) | (account.suspended ? 2 : 0))
        writer.u8(account.enforcementState.rawValue)
        let amounts = account.recentCharges.amounts
        writer.u8(UInt8(amounts.count))
        for amount in amounts { writer.i64(amount) }
    }

    private static func encode(_ entry: AccountDetails, into writer: inout SnapshotWriter) {
        writer.optionalI64(entry.singleRequestCap?.rawValue)
        writer.optionalI64(entry.dailyCap?.rawValue)
        writer.optionalI64(entry.sessionCap?.rawValue)
        writer.count(entry.sessionCharges.count)
        for charge in entry.sessionCharges {
            writer.string(charge.sessionID)
            writer.i64(charge.time.rawValue)
            writer.i64(charge.amount)
        }
        writer.count(entry.anomalyTimes.count)
        for time in entry.anomalyTimes { writer.i64(time.rawValue) }
        let keys = entry.idempotency.keys.sorted { ($0.op.rawValue, $0.key) < ($1.op.rawValue, $1.key) }
        writer.count(keys.count)
        for key in keys {
            writer.u8(key.op.rawValue)
            writer.string(key.key)
            encode(entry.idempotency[key]!, into: &writer)
        }
        writer.i32(entry.planSlot)
        writer.count(entry.overrides.count)
        for (key, value) in entry.overrides.sorted(by: { $0.key < $1.key }) {
            writer.string(key)
            writer.i64(value.value)
            writer.optionalI64(value.expiresAt?.rawValue)
        }
        encode(entry.usage, into: &writer)
        encode(entry.graceUsed, into: &writer)
        writer.optionalI64(entry.graceStartedAt?.rawValue)
        writer.count(entry.transitions.count)
        for transition in entry.transitions {
            writer.u8(transition.from.rawValue)
            writer.u8(transition.to.rawValue)
            writer.i64(transition.at.rawValue)
            writer.i64(transition.seq)
            writer.optionalString(transition.entitlementKey)
        }
    }

    private static func encode(_ counters: [String: Int64], into writer: inout SnapshotWriter) {
        writer.count(counters.count)
        for (key, value) in counters.sorted(by: { $0.key < $1.key }) {
            writer.string(key)
            writer.i64(value)
        }
    }

    private static func encode(_ entry: IdempotencyEntry, into writer: inout SnapshotWriter) {
        switch entry.payload {
        case .grant(let amount, let source):
            writer.u8(0)
            writer.i64(amount.rawValue)
            writer.u8(UInt8(GrantSource.allCases.firstIndex(of: source)!))
        case .debit(let amount, let sessionID):
            writer.u8(1)
            writer.i64(amount.rawValue)
            writer.optionalString(sessionID)
        case .consume(let entitlementKey, let quantity):
            writer.u8(2)
            writer.string(entitlementKey)
            writer.i64(quantity)
        }
        switch entry.snapshot {
        case .grant(let seq, let balanceAfter):
            writer.u8(0)
            writer.i64(seq)
            writer.i64(balanceAfter.rawValue)
        case .debit(let seq, let debit):
            writer.u8(1)
            writer.i64(seq)
            writer.u8(debit.mode.rawValue)
            writer.i64(debit.amount.rawValue)
            writer.i64(debit.balanceAfter.rawValue)
            writer.u8((debit.lowBalance ? 1 : 0) | (debit.warned ? 2 : 0) | (debit.anomaly ? 4 : 0))
        case .consume(let seq, let consume):
            writer.u8(2)
            writer.i64(seq)
            switch consume.outcome {
            case .withinLimit: writer.u8(0)
            case .grace: writer.u8(1)
            case .warned: writer.u8(2)
            case .rejected(let code):
                writer.u8(3)
                writer.u8(code.rawValue)
            }
            writer.i64(consume.usageAfter)
            writer.i64(consume.limit)
            writer.optionalI64(consume.graceRemaining)
            writer.bool(consume.overrideApplied)
        }
    }

    private static func encode(_ plan: Command.DefinePlan, into writer: inout SnapshotWriter) {
        writer.string(plan.planID)
        encode(plan.entitlements, into: &writer)
        writer.count(plan.usageKeys.count)
        for (key, usageKey) in plan.usageKeys.sorted(by: { $0.key < $1.key }) {
            writer.string(key)
            writer.string(usageKey)
        }
        writer.bool(plan.enforcementEnabled)
        writer.i64(plan.enforcementGraceCount)
        writer.i64(plan.thresholds.warnPct)
        writer.i64(plan.thresholds.hardPct)
        writer.i64(plan.thresholds.graceHours)
        writer.i64(plan.thresholds.overageBufferPct)
        writer.optionalString(plan.moduleRulesJSON)
        writer.string(plan.initiatedBy)
        writer.optionalI64(plan.at?.rawValue)
    }

    // MARK: Decoding

    /// The state, its header's version, and the byte range of its charged-debit section.
    private static func decode(_ reader: inout SnapshotReader) throws(StateSnapshotError)
        -> (State, UInt16, Range<Int>)
    {
        guard try reader.u32() == snapshotMagic else { throw StateSnapshotError(offset: 0, message: "bad magic") }
        let version = try reader.u16()
        guard version == snapshotFormatVersion || version == snapshotFormatVersionPayments else {
            throw StateSnapshotError(offset: 4, message: "unknown state snapshot version \(version)")
        }
        guard try reader.u16() == 0 else { throw StateSnapshotError(offset: 6, message: "reserved flags not zero") }
        var state = State(configuration: BillingConfiguration(creditEnforcementEnabled: try reader.bool()))
        state.lastRecordTime = try reader.optionalI64().map(Timestamp.init(rawValue:))
        state.recordCount = try reader.i64()
        guard state.recordCount >= 0 else { throw reader.failure("negative record count") }
        state.flags = try decodeFlags(&reader)
        let liabilityLow = try reader.u64()
        let liabilityHigh = try reader.i64()
        state.liabilityTotal = Int128(liabilityHigh) << 64 | Int128(liabilityLow)

        let accountCount = try reader.count(elementSizeBytesMin: 31)
        state.accounts.reserveCapacity(accountCount)
        for slot in 0..<accountCount {
            let account = try decodeAccount(&reader)
            guard state.userSlots.updateValue(Int32(slot), forKey: account.userID) == nil else {
                throw reader.failure("user \(account.userID) appears twice")
            }
            state.accounts.append(account)
        }
        let detailsCount = try reader.count(elementSizeBytesMin: 36)
        guard detailsCount <= accountCount else { throw reader.failure("more details than accounts") }
        state.details.reserveCapacity(detailsCount)
        for _ in 0..<detailsCount { state.details.append(try decodeDetails(&reader)) }
        var detailsOwned = [Bool](repeating: false, count: detailsCount)
        for account in state.accounts where account.detailsSlot != -1 {
            guard account.detailsSlot >= 0, Int(account.detailsSlot) < detailsCount,
                !detailsOwned[Int(account.detailsSlot)]
            else { throw reader.failure("bad details slot of \(account.userID)") }
            detailsOwned[Int(account.detailsSlot)] = true
        }
        guard !detailsOwned.contains(false) else { throw reader.failure("details without an account") }

        let planCount = try reader.count(elementSizeBytesMin: 60)
        for slot in 0..<planCount {
            let definition = try decodePlan(&reader)
            var plan = Plan(definition: definition)
            let subscriberCount = try reader.count(elementSizeBytesMin: 4)
            for _ in 0..<subscriberCount {
                let subscriber = try reader.i32()
                guard subscriber >= 0, Int(subscriber) < accountCount, plan.subscribers.insert(subscriber).inserted
                else { throw reader.failure("bad subscriber slot \(subscriber)") }
            }
            guard state.planSlots.updateValue(Int32(slot), forKey: definition.planID) == nil else {
                throw reader.failure("plan \(definition.planID) appears twice")
            }
            state.plans.append(plan)
        }
        for entry in state.details where entry.planSlot != -1 {
            guard entry.planSlot >= 0, Int(entry.planSlot) < planCount else { throw reader.failure("bad plan slot") }
        }

        let chargedStart = reader.offset
        state.chargedDebits = try decodeChargedDebits(&reader, accountCount: accountCount)
        let chargedEnd = reader.offset
        let refundCount = try reader.count(elementSizeBytesMin: 16)
        for _ in 0..<refundCount {
            let seq = try reader.i64()
            let amount = try reader.i64()
            guard state.chargedDebits.entry(seq: seq) != nil, state.chargedDebits.refunded[seq] == nil, amount >= 0
            else { throw reader.failure("bad refund of seq \(seq)") }
            state.chargedDebits.addRefund(seq: seq, amount: amount)
        }
        if version >= snapshotFormatVersionPayments { state.payments = try decodePayments(&reader) }
        return (state, version, chargedStart..<chargedEnd)
    }

    /// The charged-debit section (item 8): one tight pass over the bytes into columns allocated once for the
    /// count (the count was checked against the bytes left, 3 bytes per entry at least, so allocation is bounded
    /// by the input). Same checks and messages as a field-by-field read.
    private static func decodeChargedDebits(_ reader: inout SnapshotReader, accountCount: Int)
        throws(StateSnapshotError) -> ChargedDebitLedger
    {
        let count = try reader.count(elementSizeBytesMin: 3)
        // Headroom for the debits the fold appends next (the tail after the snapshot): without it the first
        // append copies every column (~20 bytes × count). Pages are touched only when written, so the spare
        // capacity costs address space, not memory.
        let capacity = count + count / 2 + Self.chargedDebitHeadroomMin
        var ledger = ChargedDebitLedger()
        ledger.reserveCapacity(capacity)
        var offset = reader.offset
        let failure: String? = reader.bytes.withUnsafeBufferPointer { buffer in
            var previousSeq: Int64 = 0
            for _ in 0..<count {
                guard let delta = readVarint63(buffer, &offset) else { return "varint" }
                guard let slot = readVarint63(buffer, &offset) else { return "varint" }
                guard let amount = readVarint63(buffer, &offset) else { return "varint" }
                guard delta >= 1, delta <= Int64.max - previousSeq else { return "charged debit seqs not ascending" }
                guard slot < Int64(accountCount) else { return "bad charged debit user slot" }
                guard amount > 0 else { return "charged debit amount not positive" }
                previousSeq += delta
                ledger.append(seq: previousSeq, userSlot: Int32(truncatingIfNeeded: slot), charged: amount)
            }
            return nil
        }
        reader.offset = offset
        if let failure {
            // A bad varint: the field reader reads it again for its precise message and offset.
            if failure == "varint" { _ = try reader.varint63() }
            throw reader.failure(failure)
        }
        return ledger
    }

    static let chargedDebitHeadroomMin = 1024

    /// One varint in 0…Int64.max at `offset` (advanced past it), or nil with `offset` at the varint's start.
    @inline(__always)
    private static func readVarint63(_ buffer: UnsafeBufferPointer<UInt8>, _ offset: inout Int) -> Int64? {
        if offset < buffer.count, buffer[offset] < 0x80 {
            offset += 1
            return Int64(buffer[offset - 1])
        }
        var position = offset
        guard case .success(let value) = Varint.read(buffer, offset: &position), value <= UInt64(Int64.max) else {
            return nil
        }
        offset = position
        return Int64(value)
    }

    private static func decodeFlags(_ reader: inout SnapshotReader) throws(StateSnapshotError) -> FlagSettings {
        var flags = FlagSettings()
        switch try reader.u8() {
        case 0: flags.enforcementOverride = nil
        case 1: flags.enforcementOverride = false
        case 2: flags.enforcementOverride = true
        default: throw reader.failure("bad enforcement override")
        }
        flags.shadowBillingEnabled = try reader.bool()
        flags.billingChargingEnabled = try reader.bool()
        flags.rolloutPercentage = try reader.i64()
        guard (0...100).contains(flags.rolloutPercentage) else { throw reader.failure("bad rollout percentage") }
        let allowlistCount = try reader.count(elementSizeBytesMin: 4)
        for _ in 0..<allowlistCount { flags.allowlist.insert(try reader.string()) }
        flags.lowBalanceThreshold = Millicredits(rawValue: try reader.i64())
        flags.singleRequestCap = Millicredits(rawValue: try reader.i64())
        flags.dailyCap = Millicredits(rawValue: try reader.i64())
        flags.sessionCap = Millicredits(rawValue: try reader.i64())
        flags.anomalyCircuitBreakerEnabled = try reader.bool()
        return flags
    }

    private static func decodeAccount(_ reader: inout SnapshotReader) throws(StateSnapshotError) -> UserAccount {
        var account = UserAccount(userID: try reader.string())
        account.balance = Millicredits(rawValue: try reader.i64())
        account.dayCharged = try reader.i64()
        account.dayNumber = try reader.i32()
        account.detailsSlot = try reader.i32()
        let bits = try reader.u8()
        guard bits & ~3 == 0 else { throw reader.failure("bad account flags") }
        account.hasLedgerActivity = bits & 1 != 0
        account.suspended = bits & 2 != 0
        account.enforcementState = try decodeEnforcementState(&reader)
        let recentCount = Int(try reader.u8())
        guard recentCount <= RecentCharges.countMax else { throw reader.failure("too many recent charges") }
        for _ in 0..<recentCount {
            let amount = try reader.i64()
            guard amount > 0 else { throw reader.failure("recent charge not positive") }
            account.recentCharges.append(amount)
        }
        return account
    }

    private static func decodeEnforcementState(_ reader: inout SnapshotReader) throws(StateSnapshotError)
        -> EnforcementState
    {
        guard let state = EnforcementState(rawValue: try reader.u8()) else {
            throw reader.failure("bad enforcement state")
        }
        return state
    }

    private static func decodeDetails(_ reader: inout SnapshotReader) throws(StateSnapshotError) -> AccountDetails {
        var entry = AccountDetails()
        entry.singleRequestCap = try reader.optionalI64().map(Millicredits.init(rawValue:))
        entry.dailyCap = try reader.optionalI64().map(Millicredits.init(rawValue:))
        entry.sessionCap = try reader.optionalI64().map(Millicredits.init(rawValue:))
        let sessionCount = try reader.count(elementSizeBytesMin: 20)
        for _ in 0..<sessionCount {
            let sessionID = try reader.string()
            let time = Timestamp(rawValue: try reader.i64())
            entry.sessionCharges.append(.init(sessionID: sessionID, time: time, amount: try reader.i64()))
        }
        let anomalyCount = try reader.count(elementSizeBytesMin: 8)
        for _ in 0..<anomalyCount { entry.anomalyTimes.append(Timestamp(rawValue: try reader.i64())) }
        let keyCount = try reader.count(elementSizeBytesMin: 20)
        for _ in 0..<keyCount {
            guard let op = IdempotencyKey.Op(rawValue: try reader.u8()) else { throw reader.failure("bad key op") }
            let key = IdempotencyKey(op: op, key: try reader.string())
            guard entry.idempotency.updateValue(try decodeIdempotencyEntry(&reader), forKey: key) == nil else {
                throw reader.failure("idempotency key appears twice")
            }
        }
        entry.planSlot = try reader.i32()
        let overrideCount = try reader.count(elementSizeBytesMin: 13)
        for _ in 0..<overrideCount {
            let key = try reader.string()
            let value = try reader.i64()
            let expiresAt = try reader.optionalI64().map(Timestamp.init(rawValue:))
            entry.overrides[key] = .init(value: value, expiresAt: expiresAt)
        }
        entry.usage = try decodeCounters(&reader)
        entry.graceUsed = try decodeCounters(&reader)
        entry.graceStartedAt = try reader.optionalI64().map(Timestamp.init(rawValue:))
        let transitionCount = try reader.count(elementSizeBytesMin: 19)
        guard transitionCount <= EnforcementTransition.historyCountMax else {
            throw reader.failure("too many transitions")
        }
        for _ in 0..<transitionCount {
            let from = try decodeEnforcementState(&reader)
            let to = try decodeEnforcementState(&reader)
            let at = Timestamp(rawValue: try reader.i64())
            let seq = try reader.i64()
            let key = try reader.optionalString()
            entry.transitions.append(EnforcementTransition(from: from, to: to, at: at, seq: seq, entitlementKey: key))
        }
        return entry
    }

    private static func decodeCounters(_ reader: inout SnapshotReader) throws(StateSnapshotError) -> [String: Int64] {
        let count = try reader.count(elementSizeBytesMin: 12)
        var counters: [String: Int64] = [:]
        for _ in 0..<count {
            let key = try reader.string()
            counters[key] = try reader.i64()
        }
        return counters
    }

    private static func decodeIdempotencyEntry(_ reader: inout SnapshotReader) throws(StateSnapshotError)
        -> IdempotencyEntry
    {
        let payload: IdempotencyEntry.Payload
        switch try reader.u8() {
        case 0:
            let amount = Millicredits(rawValue: try reader.i64())
            let index = Int(try reader.u8())
            guard index < GrantSource.allCases.count else { throw reader.failure("bad grant source") }
            payload = .grant(amount, GrantSource.allCases[index])
        case 1:
            payload = .debit(Millicredits(rawValue: try reader.i64()), sessionID: try reader.optionalString())
        case 2:
            payload = .consume(entitlementKey: try reader.string(), quantity: try reader.i64())
        default:
            throw reader.failure("bad idempotency payload")
        }
        let snapshot: ResultSnapshot
        switch try reader.u8() {
        case 0:
            snapshot = .grant(seq: try reader.i64(), balanceAfter: Millicredits(rawValue: try reader.i64()))
        case 1:
            let seq = try reader.i64()
            guard let mode = ResultSnapshot.DebitSnapshot.Mode(rawValue: try reader.u8()) else {
                throw reader.failure("bad debit mode")
            }
            let amount = Millicredits(rawValue: try reader.i64())
            let balanceAfter = Millicredits(rawValue: try reader.i64())
            let bits = try reader.u8()
            guard bits & ~7 == 0 else { throw reader.failure("bad debit result flags") }
            snapshot = .debit(
                seq: seq,
                .init(
                    mode: mode, amount: amount, balanceAfter: balanceAfter, lowBalance: bits & 1 != 0,
                    warned: bits & 2 != 0, anomaly: bits & 4 != 0))
        case 2:
            let seq = try reader.i64()
            let outcome: ConsumeOutcome
            switch try reader.u8() {
            case 0: outcome = .withinLimit
            case 1: outcome = .grace
            case 2: outcome = .warned
            case 3:
                guard let code = RejectionCode(rawValue: try reader.u8()) else {
                    throw reader.failure("bad rejection code")
                }
                outcome = .rejected(code)
            default: throw reader.failure("bad consume outcome")
            }
            snapshot = .consume(
                seq: seq,
                .init(
                    outcome: outcome, usageAfter: try reader.i64(), limit: try reader.i64(),
                    graceRemaining: try reader.optionalI64(), overrideApplied: try reader.bool()))
        default:
            throw reader.failure("bad idempotency result")
        }
        return IdempotencyEntry(payload: payload, snapshot: snapshot)
    }

    private static func decodePlan(_ reader: inout SnapshotReader) throws(StateSnapshotError) -> Command.DefinePlan {
        let planID = try reader.string()
        let entitlements = try decodeCounters(&reader)
        let usageKeyCount = try reader.count(elementSizeBytesMin: 8)
        var usageKeys: [String: String] = [:]
        for _ in 0..<usageKeyCount {
            let key = try reader.string()
            usageKeys[key] = try reader.string()
        }
        let enforcementEnabled = try reader.bool()
        let graceCount = try reader.i64()
        let thresholds = Thresholds(
            warnPct: try reader.i64(), hardPct: try reader.i64(), graceHours: try reader.i64(),
            overageBufferPct: try reader.i64())
        let moduleRules = try reader.optionalString()
        let initiatedBy = try reader.string()
        let at = try reader.optionalI64().map(Timestamp.init(rawValue:))
        return Command.DefinePlan(
            planID: planID, entitlements: entitlements, usageKeys: usageKeys, enforcementEnabled: enforcementEnabled,
            enforcementGraceCount: graceCount, thresholds: thresholds, moduleRulesJSON: moduleRules,
            initiatedBy: initiatedBy, at: at)
    }
}
