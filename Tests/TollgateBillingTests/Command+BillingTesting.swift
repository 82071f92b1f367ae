@testable import TollgateBilling

/// Short constructors for test commands (user, amount text, a few options).
extension Command {
    static func grant(
        _ user: String, _ amount: String, source: GrantSource = .purchase, key: String? = nil, at: Timestamp? = nil
    ) -> Command {
        .grant(
            Grant(
                userID: user, amount: testCredits(amount), source: source,
                initiatedBy: source == .admin ? "admin" : nil, idempotencyKey: key, at: at))
    }

    static func debit(
        _ user: String, _ amount: String, session: String? = nil, key: String? = nil, at: Timestamp? = nil
    ) -> Command {
        .debit(Debit(userID: user, amount: testCredits(amount), sessionID: session, idempotencyKey: key, at: at))
    }

    static func refund(_ user: String, seq: Int64, _ amount: String? = nil, at: Timestamp? = nil) -> Command {
        .refund(Refund(userID: user, debitSeq: seq, amount: amount.map(testCredits), initiatedBy: "ops", at: at))
    }

    static func flag(_ value: FlagValue, at: Timestamp? = nil) -> Command {
        .setFlag(SetFlag(value: value, initiatedBy: "ops", at: at))
    }

    static func clear(_ flag: Flag, at: Timestamp? = nil) -> Command {
        .clearFlag(ClearFlag(flag: flag, initiatedBy: "ops", at: at))
    }

    static func suspend(_ user: String, at: Timestamp? = nil) -> Command {
        .suspend(AccountAction(userID: user, initiatedBy: "ops", at: at))
    }

    static func reinstate(_ user: String, at: Timestamp? = nil) -> Command {
        .reinstate(AccountAction(userID: user, initiatedBy: "ops", at: at))
    }

    static func plan(
        _ id: String, _ entitlements: [String: Int64], usageKeys: [String: String] = [:], enforcement: Bool = false,
        grace: Int64 = 0, thresholds: Thresholds = Thresholds(), rules: String? = nil, at: Timestamp? = nil
    ) -> Command {
        .definePlan(
            DefinePlan(
                planID: id, entitlements: entitlements, usageKeys: usageKeys, enforcementEnabled: enforcement,
                enforcementGraceCount: grace, thresholds: thresholds, moduleRulesJSON: rules, initiatedBy: "ops",
                at: at))
    }

    static func subscribe(_ user: String, _ plan: String, at: Timestamp? = nil) -> Command {
        .subscribe(Subscribe(userID: user, planID: plan, at: at))
    }

    static func override(_ user: String, _ key: String, _ value: Int64, expires: Timestamp? = nil, at: Timestamp? = nil)
        -> Command
    {
        .setOverride(
            SetOverride(userID: user, entitlementKey: key, value: value, expiresAt: expires, initiatedBy: "ops", at: at)
        )
    }

    static func clearOverride(_ user: String, _ key: String, at: Timestamp? = nil) -> Command {
        .clearOverride(ClearOverride(userID: user, entitlementKey: key, initiatedBy: "ops", at: at))
    }

    static func consume(
        _ user: String, _ key: String, _ quantity: Int64 = 1, idempotencyKey: String? = nil, at: Timestamp? = nil
    )
        -> Command
    {
        .consume(Consume(userID: user, entitlementKey: key, quantity: quantity, idempotencyKey: idempotencyKey, at: at))
    }

    static func limits(
        _ user: String, single: CapPatch = .unchanged, daily: CapPatch = .unchanged, session: CapPatch = .unchanged,
        at: Timestamp? = nil
    ) -> Command {
        .setUserLimits(
            SetUserLimits(
                userID: user, singleRequestCap: single, dailyCap: daily, sessionCap: session, initiatedBy: "ops", at: at
            ))
    }
}
