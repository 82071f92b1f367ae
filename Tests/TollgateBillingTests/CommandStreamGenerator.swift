@testable import TollgateBilling

/// Seeded random command streams over every op and flag: small pools of users, plans, keys and idempotency keys
/// so that rules interact (retries, conflicts, suspended users, grace, expiring overrides, out-of-order times).
struct CommandStreamGenerator {
    var random: BillingSplitMix64
    var clock: Timestamp
    /// Seqs handed out so far (refunds pick among them, valid or not).
    var seqCountEstimate: Int64 = 0

    static let users = ["u0", "u1", "u2", "u3", "u4", "alpha", "beta"]
    static let plans = ["p0", "p1", "p2"]
    static let keys = ["a", "b.max", "b.created", "c", "d"]
    static let sessions = ["s0", "s1"]
    static let idempotencyKeys = ["k0", "k1", "k2", "k3", "k4", "k5", "k6", "k7"]

    init(seed: UInt64, clock: Timestamp = testTime("2026-03-01T00:00:00Z")) {
        random = BillingSplitMix64(seed: seed)
        self.clock = clock
    }

    mutating func int(_ range: ClosedRange<Int64>) -> Int64 { Int64.random(in: range, using: &random) }
    mutating func chance(_ percent: Int) -> Bool { Int.random(in: 0..<100, using: &random) < percent }
    mutating func pick<T>(_ values: [T]) -> T { values.randomElement(using: &random)! }
    mutating func maybe<T>(_ percent: Int, _ make: (inout CommandStreamGenerator) -> T) -> T? {
        chance(percent) ? make(&self) : nil
    }

    mutating func amount(max: Int64 = 60_000) -> Millicredits {
        if chance(2) { return Millicredits(rawValue: int(1...Millicredits.magnitudeMax)) }
        switch int(0...99) {
        case 0..<60: return Millicredits(rawValue: int(1...min(max, 2_000)))
        case 60..<85: return Millicredits(rawValue: int(1...5) * 1000)
        default: return Millicredits(rawValue: int(1...max))
        }
    }

    /// Commands sent with an idempotency key, for retries.
    var keyed: [Command] = []
    /// Commands queued by a scenario, emitted before anything random.
    var pending: [Command] = []

    /// A user's run of small charges then large ones within minutes: anomalies, and with the breaker on, an
    /// automatic suspension.
    mutating func queueAnomalyBurst() {
        let user = pick(Self.users)
        if chance(70) {
            pending.append(.setFlag(Command.SetFlag(value: .anomalyCircuitBreakerEnabled(true), initiatedBy: "ops")))
        }
        pending.append(.reinstate(Command.AccountAction(userID: user, initiatedBy: "ops")))
        pending.append(.grant(Command.Grant(userID: user, amount: .credits(5_000), source: .purchase)))
        for _ in 0..<6 {
            pending.append(.debit(Command.Debit(userID: user, amount: Millicredits(rawValue: int(100...1_000)))))
        }
        for _ in 0..<4 {
            pending.append(.debit(Command.Debit(userID: user, amount: Millicredits(rawValue: int(20_000...45_000)))))
        }
    }

    /// Advances the clock and returns the command's `at` (often absent, sometimes in the past).
    mutating func at() -> Timestamp? {
        switch int(0...99) {
        case 0..<60: clock = clock.adding(milliseconds: int(0...10 * Timestamp.millisecondsPerMinute))
        case 60..<70: clock = clock.adding(milliseconds: int(1...30) * Timestamp.millisecondsPerHour)
        default: break
        }
        switch int(0...99) {
        case 0..<50: return nil
        case 50..<80: return clock
        default: return clock.adding(milliseconds: -int(0...5 * Timestamp.millisecondsPerHour))
        }
    }

    mutating func next() -> (command: Command, clock: Timestamp) {
        if !pending.isEmpty { return (pending.removeFirst(), clock) }
        if chance(1) { queueAnomalyBurst() }
        let at = at()
        if !keyed.isEmpty && chance(6) {
            // A retry of an earlier keyed command (same payload, new time): duplicate or decided afresh.
            return (Self.retimed(pick(keyed), at: at), clock)
        }
        let user = pick(Self.users)
        let command = makeCommand(user: user, at: at)
        switch command {
        case .grant(let c) where c.idempotencyKey != nil: keyed.append(command)
        case .debit(let c) where c.idempotencyKey != nil: keyed.append(command)
        case .consume(let c) where c.idempotencyKey != nil: keyed.append(command)
        default: break
        }
        return (command, clock)
    }

    static func retimed(_ command: Command, at: Timestamp?) -> Command {
        switch command {
        case .grant(var c): c.at = at; return .grant(c)
        case .debit(var c): c.at = at; return .debit(c)
        case .consume(var c): c.at = at; return .consume(c)
        default: return command
        }
    }

    mutating func makeCommand(user: String, at: Timestamp?) -> Command {
        let command: Command
        switch int(0...99) {
        case 0..<18:
            let source = pick(GrantSource.allCases)
            let amount = source == .admin ? Millicredits(rawValue: int(1...10_000_000)) : amount(max: 200_000)
            command = .grant(
                Command.Grant(
                    userID: user, amount: amount, source: source,
                    initiatedBy: source == .admin || chance(50) ? "ops" : nil, reason: maybe(20) { _ in "why" },
                    idempotencyKey: maybe(30) { $0.pick(Self.idempotencyKeys) }, at: at))
        case 18..<48:
            command = .debit(
                Command.Debit(
                    userID: user, amount: chance(10) ? amount(max: 60_000_000) : amount(),
                    sessionID: maybe(40) { $0.pick(Self.sessions) }, requestID: maybe(20) { _ in "r" },
                    idempotencyKey: maybe(30) { $0.pick(Self.idempotencyKeys) }, at: at))
        case 48..<54:
            command = .refund(
                Command.Refund(
                    userID: user, debitSeq: int(0...max(1, seqCountEstimate + 1)),
                    amount: maybe(50) { $0.amount(max: 5_000) }, initiatedBy: "ops", reason: maybe(30) { _ in "r" },
                    at: at))
        case 54..<60:
            command = .setFlag(Command.SetFlag(value: randomFlagValue(), initiatedBy: "ops", at: at))
        case 60..<63:
            command = .clearFlag(Command.ClearFlag(flag: pick(Flag.allCases), initiatedBy: "ops", at: at))
        case 63..<66:
            command = .definePlan(randomPlan(at: at))
        case 66..<70:
            command = .subscribe(
                Command.Subscribe(userID: user, planID: chance(90) ? pick(Self.plans) : "nope", at: at))
        case 70..<75:
            let base = at ?? clock
            command = .setOverride(
                Command.SetOverride(
                    userID: user, entitlementKey: pick(Self.keys), value: int(-1...8),
                    expiresAt: maybe(60) { $0.int(-3_600_000...4 * 3_600_000) }.map { base.adding(milliseconds: $0) },
                    initiatedBy: "ops", at: at))
        case 75..<77:
            command = .clearOverride(
                Command.ClearOverride(userID: user, entitlementKey: pick(Self.keys), initiatedBy: "ops", at: at))
        case 77..<91:
            command = .consume(
                Command.Consume(
                    userID: user, entitlementKey: pick(Self.keys), quantity: int(1...4),
                    idempotencyKey: maybe(25) { $0.pick(Self.idempotencyKeys) }, at: at))
        case 91..<93:
            command = .suspend(
                Command.AccountAction(userID: user, initiatedBy: "ops", reason: maybe(50) { _ in "x" }, at: at))
        case 93..<97:
            command = .reinstate(Command.AccountAction(userID: user, initiatedBy: "ops", at: at))
        default:
            func patch(_ generator: inout CommandStreamGenerator) -> CapPatch {
                switch generator.int(0...2) {
                case 0: .unchanged
                case 1: .clear
                default: .set(Millicredits(rawValue: generator.int(0...200_000)))
                }
            }
            command = .setUserLimits(
                Command.SetUserLimits(
                    userID: user, singleRequestCap: patch(&self), dailyCap: patch(&self), sessionCap: patch(&self),
                    initiatedBy: "ops", at: at))
        }
        return command
    }

    mutating func randomFlagValue() -> FlagValue {
        switch int(0...9) {
        case 0: .creditEnforcementEnabled(chance(50))
        case 1: .shadowBillingEnabled(chance(30))
        case 2: .billingChargingEnabled(chance(80))
        case 3: .billingRolloutPercentage(int(0...100))
        case 4: .billingAllowlist((0..<int(0...3)).map { _ in pick(Self.users) })
        case 5: .lowBalanceThreshold(Millicredits(rawValue: int(-5_000...20_000)))
        case 6: .singleRequestCap(Millicredits(rawValue: int(0...100_000)))
        case 7: .dailyCap(Millicredits(rawValue: int(0...1_000_000)))
        case 8: .sessionCap(Millicredits(rawValue: int(0...200_000)))
        default: .anomalyCircuitBreakerEnabled(chance(80))
        }
    }

    mutating func randomPlan(at: Timestamp?) -> Command.DefinePlan {
        var entitlements: [String: Int64] = [:]
        for key in Self.keys where chance(60) { entitlements[key] = int(-1...10) }
        var usageKeys: [String: String] = [:]
        if chance(20) { usageKeys[pick(Self.keys)] = pick(Self.keys) }
        return Command.DefinePlan(
            planID: pick(Self.plans), entitlements: entitlements, usageKeys: usageKeys, enforcementEnabled: chance(60),
            enforcementGraceCount: int(0...5),
            thresholds: Thresholds(
                warnPct: int(0...100), hardPct: int(50...150), graceHours: int(0...6), overageBufferPct: int(0...50)),
            moduleRulesJSON: maybe(30) { _ in #"{"m":{"x":1}}"# }, initiatedBy: "ops", at: at)
    }
}
