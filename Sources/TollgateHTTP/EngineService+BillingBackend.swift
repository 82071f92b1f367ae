import TollgateBilling
import TollgateEngine

/// The engine as the API's backend. The only file of TollgateHTTP that reads engine state; reads run under the
/// engine's state lock, so each response is one consistent, durable view. Per-user reads use `read(userID:)` and
/// so do not wait for a group commit of other users' commands.
extension EngineService: BillingBackend {
    public var writeFailure: String? { failed.map { $0.message } }

    public func balance(userID: String) -> JSONValue {
        read(userID: userID) { state in
            let balance = state.balance(userID: userID)
            return .object([
                ("user_id", .string(userID)), ("balance", .amount(balance)),
                ("low_balance", .bool(state.isLowBalance(userID: userID))),
            ])
        }
    }

    public func enforcement(userID: String, at now: Timestamp) -> JSONValue {
        read(userID: userID) { state in
            var members = Self.members(state.enforcementJSON(userID: userID, at: now))
            members.insert(("user_id", .string(userID)), at: 0)
            members.append(("plan_id", state.planID(ofUser: userID).map(JSONValue.string) ?? .null))
            members.append(("suspended", .bool(state.isSuspended(userID: userID))))
            members.append(("usage", .array(state.entitlementUsage(userID: userID, at: now).map(Self.json))))
            return .object(members)
        }
    }

    /// `{entitlement_key, usage_key, limit, used, effective_limit, override_applied, override_expires_at,
    /// grace_remaining}`: `limit` is the plan's (−1 unlimited), `effective_limit` what a consume now resolves.
    private static func json(_ usage: EntitlementUsage) -> JSONValue {
        .object([
            ("entitlement_key", .string(usage.entitlementKey)), ("usage_key", .string(usage.usageKey)),
            ("limit", .int(usage.planLimit)), ("used", .int(usage.used)),
            ("effective_limit", .int(usage.effectiveLimit)), ("override_applied", .bool(usage.overrideApplied)),
            ("override_expires_at", usage.overrideExpiresAt.map { .string($0.rfc3339) } ?? .null),
            ("grace_remaining", usage.graceRemaining.map(JSONValue.int) ?? .null),
        ])
    }

    public func modulePolicyJSON(userID: String, at now: Timestamp) -> String {
        read(userID: userID) { state in state.effectiveModuleRulesJSON(userID: userID, at: now) }
    }

    public func settings() -> JSONValue {
        read { state in state.settingsJSON() }
    }

    public func userState(userID: String, at now: Timestamp) -> JSONValue {
        read(userID: userID) { state in
            let balance = state.balance(userID: userID)
            var members: [(String, JSONValue)] = [("user_id", .string(userID)), ("balance", .amount(balance))]
            members += Self.members(state.enforcementJSON(userID: userID, at: now))
            members.append(("plan_id", state.planID(ofUser: userID).map(JSONValue.string) ?? .null))
            members.append(("suspended", .bool(state.isSuspended(userID: userID))))
            members.append(("transitions", .array(state.enforcementTransitions(userID: userID).map(\.json))))
            return .object(members)
        }
    }

    public func policy() -> JSONValue {
        read { state in
            let defaults = Thresholds()
            return .object([
                ("enforcement_enabled", .bool(state.effectiveEnforcementEnabled)),
                (
                    "default_thresholds",
                    .object([
                        ("warn_pct", .int(defaults.warnPct)), ("hard_pct", .int(defaults.hardPct)),
                        ("grace_hours", .int(defaults.graceHours)),
                        ("overage_buffer_pct", .int(defaults.overageBufferPct)),
                    ])
                ),
            ])
        }
    }

    public func userEnforcement(userID: String, at time: Timestamp) -> UserEnforcement {
        read(userID: userID) { state in state.userEnforcement(userID: userID, at: time) }
    }

    private static func members(_ value: JSONValue) -> [(String, JSONValue)] {
        if case .object(let members) = value { return members }
        return []
    }
}
