@testable import TollgateBilling

/// A second, deliberately naive reading of SEMANTICS.md: full histories, everything recomputed by filtering, no
/// shared bookkeeping with `State`. The property test compares every result line, `balances`, settings and
/// enforcement states of the two.
struct ReferenceModel {
    struct Charge {
        var seq: Int64
        var user: String
        var time: Timestamp
        var amount: Int64
        var session: String?
    }

    var configEnforcement: Bool
    var lastTime: Timestamp?
    var lastSeq: Int64 = 0
    var runtime: [Flag: FlagValue] = [:]
    var balances: [String: Int64] = [:]
    var charges: [Charge] = []
    var refunded: [Int64: Int64] = [:]
    var anomalies: [(user: String, time: Timestamp)] = []
    var suspended: Set<String> = []
    var singleCaps: [String: Int64] = [:]
    var dailyCaps: [String: Int64] = [:]
    var sessionCaps: [String: Int64] = [:]
    var keys: [String: (payload: String, result: JSONValue)] = [:]
    var plans: [String: Command.DefinePlan] = [:]
    var subscription: [String: String] = [:]
    var overrides: [String: (value: Int64, expires: Timestamp?)] = [:]  // "user|key"
    var usage: [String: Int64] = [:]  // "user|usageKey"
    var graceUsed: [String: Int64] = [:]  // "user|key"
    var graceStart: [String: Timestamp] = [:]

    init(enforcement: Bool) { configEnforcement = enforcement }

    // MARK: Flags

    var enforcement: Bool {
        if case .creditEnforcementEnabled(let on) = runtime[.creditEnforcementEnabled] { return on }
        return configEnforcement
    }
    func bool(_ flag: Flag, _ fallback: Bool) -> Bool {
        switch runtime[flag] {
        case .shadowBillingEnabled(let on), .billingChargingEnabled(let on), .anomalyCircuitBreakerEnabled(let on): on
        default: fallback
        }
    }
    func flagAmount(_ flag: Flag, _ fallback: Int64) -> Int64 {
        switch runtime[flag] {
        case .lowBalanceThreshold(let a), .singleRequestCap(let a), .dailyCap(let a), .sessionCap(let a): a.rawValue
        default: fallback
        }
    }
    var rollout: Int64 {
        if case .billingRolloutPercentage(let p) = runtime[.billingRolloutPercentage] { p } else { 100 }
    }
    var allowlist: [String] { if case .billingAllowlist(let l) = runtime[.billingAllowlist] { l } else { [] } }

    // MARK: Results

    func head(_ status: String, _ seq: Int64) -> [(String, JSONValue)] {
        [("status", .string(status)), ("seq", .int(seq)), ("code", .string("ok")), ("http_status", .int(200))]
    }
    func rejected(_ seq: Int64, _ code: String, _ http: Int64, _ message: String, _ extra: [(String, JSONValue)] = [])
        -> JSONValue
    {
        .object(
            [
                ("status", .string("rejected")), ("seq", .int(seq)), ("code", .string(code)),
                ("http_status", .int(http)), ("message", .string(message)),
            ] + extra)
    }
    func invalid(_ field: String, _ message: String) -> JSONValue {
        InvalidRequest(field: field, message: message).result
    }
    static func duplicate(of result: JSONValue) -> JSONValue {
        guard case .object(var members) = result else { return result }
        members[0] = ("status", .string("duplicate"))
        return .object(members)
    }

    // MARK: Apply

    /// Returns the result and how many records the command appended.
    mutating func apply(_ command: Command, time: Timestamp) -> (JSONValue, Int) {
        let seq = lastSeq + 1
        let (result, records) = decideAndApply(command, seq: seq, time: time)
        if records > 0 {
            lastSeq += Int64(records)
            lastTime = time
        }
        return (result, records)
    }

    mutating func decideAndApply(_ command: Command, seq: Int64, time: Timestamp) -> (JSONValue, Int) {
        switch command {
        case .paymentEvent, .retryPaymentEvent:
            // Payments are checked by PaymentTests against their own rules; the generators never produce them.
            preconditionFailure("payment commands are not part of the reference model")
        case .grant(let c):
            let keyID = c.idempotencyKey.map { "\(c.userID)|grant|\($0)" }
            let payload = "\(c.amount.rawValue)|\(c.source)"
            if let keyID, let entry = keys[keyID] {
                if entry.payload == payload { return (Self.duplicate(of: entry.result), 0) }
                return (
                    rejected(
                        seq, "idempotency_conflict", 409, "Idempotency key already used with a different payload."), 1
                )
            }
            let (after, overflow) = (balances[c.userID] ?? 0).addingReportingOverflow(c.amount.rawValue)
            if overflow {
                return (
                    rejected(seq, "balance_limit_exceeded", 422, "Balance would exceed the representable range."), 1
                )
            }
            balances[c.userID] = after
            let result = JSONValue.object(
                head("applied", seq) + [("balance_after", .amount(Millicredits(rawValue: after)))])
            if let keyID { keys[keyID] = (payload, result) }
            concern(c.userID, time)
            return (result, 1)
        case .debit(let c): return debit(c, seq: seq, time: time)
        case .refund(let c):
            guard let charge = charges.first(where: { $0.seq == c.debitSeq }), charge.user == c.userID else {
                return (invalid("debit_seq", "x"), 0)
            }
            let left = charge.amount - (refunded[c.debitSeq] ?? 0)
            let amount = c.amount?.rawValue ?? left
            guard amount > 0, amount <= left else { return (invalid("amount", "x"), 0) }
            let (after, overflow) = (balances[c.userID] ?? 0).addingReportingOverflow(amount)
            if overflow {
                return (
                    rejected(seq, "balance_limit_exceeded", 422, "Balance would exceed the representable range."), 1
                )
            }
            balances[c.userID] = after
            refunded[c.debitSeq, default: 0] += amount
            concern(c.userID, time)
            return (.object(head("applied", seq) + [("balance_after", .amount(Millicredits(rawValue: after)))]), 1)
        case .setFlag(let c):
            runtime[c.flag] = c.value
            return (settingsResult(seq), 1)
        case .clearFlag(let c):
            runtime[c.flag] = nil
            return (settingsResult(seq), 1)
        case .definePlan(let c):
            plans[c.planID] = c
            for (user, plan) in subscription.sorted(by: { $0.key < $1.key }) where plan == c.planID {
                concern(user, time)
            }
            return (.object(head("applied", seq)), 1)
        case .subscribe(let c):
            guard plans[c.planID] != nil else { return (invalid("plan_id", "x"), 0) }
            if subscription[c.userID] != c.planID {
                for key in graceUsed.keys where key.hasPrefix(c.userID + "|") { graceUsed[key] = nil }
                subscription[c.userID] = c.planID
            }
            concern(c.userID, time)
            return (.object(head("applied", seq)), 1)
        case .setOverride(let c):
            if c.expiresAt.map({ $0 > time }) ?? true {
                overrides["\(c.userID)|\(c.entitlementKey)"] = (c.value, c.expiresAt)
            }
            concern(c.userID, time)
            return (.object(head("applied", seq)), 1)
        case .clearOverride(let c):
            overrides["\(c.userID)|\(c.entitlementKey)"] = nil
            concern(c.userID, time)
            return (.object(head("applied", seq)), 1)
        case .consume(let c): return consume(c, seq: seq, time: time)
        case .suspend(let c):
            suspended.insert(c.userID)
            concern(c.userID, time)
            return (.object(head("applied", seq)), 1)
        case .reinstate(let c):
            suspended.remove(c.userID)
            concern(c.userID, time)
            return (.object(head("applied", seq)), 1)
        case .setUserLimits(let c):
            func patch(_ caps: inout [String: Int64], _ p: CapPatch) {
                switch p {
                case .unchanged: break
                case .clear: caps[c.userID] = nil
                case .set(let v): caps[c.userID] = v.rawValue
                }
            }
            patch(&singleCaps, c.singleRequestCap)
            patch(&dailyCaps, c.dailyCap)
            patch(&sessionCaps, c.sessionCap)
            concern(c.userID, time)
            return (.object(head("applied", seq)), 1)
        }
    }

    func settingsResult(_ seq: Int64) -> JSONValue {
        let source = runtime[.creditEnforcementEnabled] == nil ? "config" : "override"
        return .object(
            head("applied", seq) + [
                ("enforcement_enabled", .bool(enforcement)), ("enforcement_source", .string(source)),
            ])
    }

    mutating func debit(_ c: Command.Debit, seq: Int64, time: Timestamp) -> (JSONValue, Int) {
        let user = c.userID
        let amount = c.amount.rawValue
        let keyID = c.idempotencyKey.map { "\(user)|debit|\($0)" }
        let payload = "\(amount)|\(c.sessionID ?? "-")"
        if let keyID, let entry = keys[keyID] {
            if entry.payload == payload { return (Self.duplicate(of: entry.result), 0) }
            return (
                rejected(seq, "idempotency_conflict", 409, "Idempotency key already used with a different payload."), 1
            )
        }
        if suspended.contains(user) { return (rejected(seq, "account_suspended", 403, "Account is suspended."), 1) }
        if amount > (singleCaps[user] ?? flagAmount(.singleRequestCap, 50_000)) {
            return (rejected(seq, "request_cap_exceeded", 422, "Amount exceeds the single request cap."), 1)
        }
        let balance = balances[user] ?? 0
        let threshold = flagAmount(.lowBalanceThreshold, 0)
        func uncharged(_ mode: String, _ model: inout ReferenceModel) -> (JSONValue, Int) {
            var fields: [(String, JSONValue)] = [("mode", .string(mode)), ("charged", .amount(.zero))]
            if mode == "shadow" { fields.append(("shadow_charge", .amount(c.amount))) }
            fields += [
                ("balance_after", .amount(Millicredits(rawValue: balance))),
                ("low_balance", .bool(balance <= threshold)),
            ]
            let result = JSONValue.object(model.head("applied", seq) + fields)
            model.balances[user] = balance
            if let keyID { model.keys[keyID] = (payload, result) }
            model.concern(user, time)
            return (result, 1)
        }
        if !bool(.billingChargingEnabled, true) { return uncharged("free", &self) }
        let allowlisted = allowlist.contains(user)
        if (bool(.shadowBillingEnabled, false) && !allowlisted)
            || (rollout < 100 && !allowlisted && Int64(RolloutHash.fnv1a64(user) % 100) >= rollout)
        {
            return uncharged("shadow", &self)
        }
        let day = time.utcDayNumber
        let dayTotal = charges.filter { $0.user == user && $0.time.utcDayNumber == day }.reduce(0) { $0 + $1.amount }
        if dayTotal + amount > (dailyCaps[user] ?? flagAmount(.dailyCap, 500_000)) {
            return (rejected(seq, "daily_cap_exceeded", 429, "Daily cap exceeded."), 1)
        }
        if let session = c.sessionID {
            let windowStart = time.rawValue - 3_600_000
            let sessionTotal = charges.filter {
                $0.user == user && $0.session == session && $0.time.rawValue > windowStart && $0.time <= time
            }.reduce(0) { $0 + $1.amount }
            if sessionTotal + amount > (sessionCaps[user] ?? flagAmount(.sessionCap, 100_000)) {
                return (rejected(seq, "session_cap_exceeded", 429, "Session cap exceeded."), 1)
            }
        }
        if enforcement && balance <= 0 {
            return (rejected(seq, "insufficient_credits", 402, "Insufficient credits. Please top up your account."), 1)
        }
        let (after, overflow) = balance.subtractingReportingOverflow(amount)
        if overflow {
            return (rejected(seq, "balance_limit_exceeded", 422, "Balance would exceed the representable range."), 1)
        }
        let earlier = charges.filter { $0.user == user }
        let n = earlier.count
        let window = earlier.suffix(20)
        let sum = window.reduce(Int64(0)) { $0 + $1.amount }
        let anomaly = n >= 5 && amount * Int64(window.count) > 5 * sum
        var fields: [(String, JSONValue)] = [
            ("mode", .string("charged")), ("charged", .amount(c.amount)),
            ("balance_after", .amount(Millicredits(rawValue: after))), ("low_balance", .bool(after <= threshold)),
        ]
        if balance <= 0 { fields.append(("warned", .bool(true))) }
        if anomaly { fields.append(("anomaly", .bool(true))) }
        let result = JSONValue.object(head("applied", seq) + fields)
        balances[user] = after
        charges.append(Charge(seq: seq, user: user, time: time, amount: amount, session: c.sessionID))
        if let keyID { keys[keyID] = (payload, result) }
        concern(user, time)
        var records = 1
        if anomaly {
            anomalies.append((user, time))
            let recent = anomalies.filter {
                $0.user == user && $0.time.rawValue > time.rawValue - 3_600_000 && $0.time <= time
            }
            if bool(.anomalyCircuitBreakerEnabled, false) && recent.count >= 3 {
                suspended.insert(user)
                concern(user, time)
                records = 2
            }
        }
        return (result, records)
    }

    // MARK: Entitlements

    func resolve(_ user: String, _ key: String, at time: Timestamp) -> (limit: Int64, fromOverride: Bool) {
        if let o = overrides["\(user)|\(key)"], o.expires.map({ $0 > time }) ?? true { return (o.value, true) }
        if let plan = subscription[user].flatMap({ plans[$0] }), let limit = plan.entitlements[key] {
            return (limit, false)
        }
        return (0, false)
    }

    func usageKey(_ user: String, _ key: String) -> String {
        if let plan = subscription[user].flatMap({ plans[$0] }), let mapped = plan.usageKeys[key] { return mapped }
        if key.hasSuffix(".max") { return String(key.dropLast(4)) + ".created" }
        return key
    }

    mutating func consume(_ c: Command.Consume, seq: Int64, time: Timestamp) -> (JSONValue, Int) {
        let user = c.userID
        let keyID = c.idempotencyKey.map { "\(user)|consume|\($0)" }
        let payload = "\(c.entitlementKey)|\(c.quantity)"
        if let keyID, let entry = keys[keyID] {
            if entry.payload == payload { return (Self.duplicate(of: entry.result), 0) }
            return (
                rejected(seq, "idempotency_conflict", 409, "Idempotency key already used with a different payload."), 1
            )
        }
        if suspended.contains(user) { return (rejected(seq, "account_suspended", 403, "Account is suspended."), 1) }
        let (limit, fromOverride) = resolve(user, c.entitlementKey, at: time)
        let usageID = "\(user)|\(usageKey(user, c.entitlementKey))"
        let current = usage[usageID] ?? 0
        let plan = subscription[user].flatMap { plans[$0] }
        let enforced = plan?.enforcementEnabled ?? false
        let graceID = "\(user)|\(c.entitlementKey)"
        let remaining = enforced ? plan!.enforcementGraceCount - (graceUsed[graceID] ?? 0) : nil
        let mode: String
        if limit == -1 || Int128(current) + Int128(c.quantity) <= Int128(limit) {
            mode = "within_limit"
        } else if let remaining {
            guard remaining >= c.quantity else {
                return (
                    rejected(
                        seq, "quota_exceeded", 403, "Quota exceeded for entitlement \(c.entitlementKey).",
                        [
                            ("usage_after", .int(current)), ("limit", .int(limit)),
                            ("grace_remaining", .int(remaining)),
                            ("override_applied", .bool(fromOverride)),
                        ]), 1
                )
            }
            mode = "grace"
        } else {
            mode = "warned"
        }
        let after = Int64(clamping: Int128(current) + Int128(c.quantity))
        usage[usageID] = after
        var graceAfter = remaining
        if mode == "grace" {
            graceUsed[graceID, default: 0] += c.quantity
            graceAfter = remaining! - c.quantity
        }
        let result = JSONValue.object(
            head("applied", seq) + [
                ("mode", .string(mode)), ("usage_after", .int(after)), ("limit", .int(limit)),
                ("grace_remaining", graceAfter.map(JSONValue.int) ?? .null), ("override_applied", .bool(fromOverride)),
            ])
        if let keyID { keys[keyID] = (payload, result) }
        concern(user, time)
        return (result, 1)
    }

    // MARK: Enforcement state

    func reaches(_ user: String, pct: Int128, at time: Timestamp) -> Bool {
        guard let plan = subscription[user].flatMap({ plans[$0] }) else { return false }
        for key in plan.entitlements.keys {
            let (limit, _) = resolve(user, key, at: time)
            guard limit > 0 else { continue }
            let used = Int128(usage["\(user)|\(usageKey(user, key))"] ?? 0)
            if used * 100 >= pct * Int128(limit) { return true }
        }
        return false
    }

    /// After an applied record that concerns the user.
    mutating func concern(_ user: String, _ time: Timestamp) {
        guard let plan = subscription[user].flatMap({ plans[$0] }) else { return }
        if reaches(user, pct: Int128(plan.thresholds.hardPct), at: time) {
            if graceStart[user] == nil { graceStart[user] = time }
        } else {
            graceStart[user] = nil
        }
    }

    func stateJSON(_ user: String, at requested: Timestamp) -> JSONValue {
        let time = max(requested, lastTime ?? requested)
        func render(_ state: String, _ start: Timestamp?, _ end: Timestamp?) -> JSONValue {
            .object([
                ("state", .string(state)), ("grace_started_at", start.map { .string($0.civilUTCString()) } ?? .null),
                ("grace_ends_at", end.map { .string($0.civilUTCString()) } ?? .null),
            ])
        }
        if suspended.contains(user) { return render("SUSPENDED", nil, nil) }
        guard let plan = subscription[user].flatMap({ plans[$0] }) else { return render("ACTIVE", nil, nil) }
        let t = plan.thresholds
        if !reaches(user, pct: Int128(t.warnPct), at: time) { return render("ACTIVE", nil, nil) }
        if !reaches(user, pct: Int128(t.hardPct), at: time) { return render("WARN", nil, nil) }
        guard let start = graceStart[user] else { return render("GRACE", nil, nil) }
        let end = Timestamp(rawValue: start.rawValue + t.graceHours * 3_600_000)
        if time >= end && reaches(user, pct: Int128(t.hardPct) + Int128(t.overageBufferPct), at: time) {
            return render("DEGRADED", start, end)
        }
        return render("GRACE", start, end)
    }

    func balancesJSON() -> JSONValue {
        let sorted = balances.sorted { $0.key < $1.key }
        let total = sorted.reduce(Int128(0)) { $0 + Int128($1.value) }
        return .object([
            ("balances", .object(sorted.map { ($0.key, .amount(Millicredits(rawValue: $0.value))) })),
            ("liability", .string(State.formatAmount(total))),
        ])
    }

    func settingsJSON() -> JSONValue {
        .object([
            ("enforcement_enabled", .bool(enforcement)),
            ("enforcement_source", .string(runtime[.creditEnforcementEnabled] == nil ? "config" : "override")),
        ])
    }
}
