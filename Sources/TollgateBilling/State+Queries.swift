/// The query projections: balances, settings, a user's enforcement state. Sorted here, at query time, never per
/// command.
extension State {
    /// Every user with an applied grant, debit (any mode) or refund, sorted by user id.
    public func balances() -> [(userID: String, balance: Millicredits)] {
        balances(slots: balanceSlots())
    }

    /// The slots of the users ``balances()`` lists, in its order (by user id). A verified replay sorts once and
    /// shares the order between its end-of-log checks and its report (it had sorted the ~10k ids three times).
    package func balanceSlots() -> [Int] {
        var keyed: [(userID: String, slot: Int)] = []
        keyed.reserveCapacity(accounts.count)
        for slot in accounts.indices where accounts[slot].hasLedgerActivity {
            keyed.append((accounts[slot].userID, slot))
        }
        // Ids are unique (one slot per user), so the order is total and stability does not matter.
        keyed.sort { $0.userID < $1.userID }
        return keyed.map(\.slot)
    }

    /// ``balances()`` of `slots` (from ``balanceSlots()``), in their order.
    package func balances(slots: [Int]) -> [(userID: String, balance: Millicredits)] {
        slots.map { (accounts[$0].userID, accounts[$0].balance) }
    }

    /// `{"balances":{"<user_id>":"<amount>",...},"liability":"<amount>"}`.
    public func balancesJSON() -> JSONValue {
        balancesJSON(balances())
    }

    /// ``balancesJSON()`` from `balances` already taken (``balances(slots:)``): not sorted again.
    package func balancesJSON(_ balances: [(userID: String, balance: Millicredits)]) -> JSONValue {
        let members = balances.map { ($0.userID, JSONValue.amount($0.balance)) }
        return .object([("balances", .object(members)), ("liability", .string(Self.formatAmount(liabilityTotal)))])
    }

    /// `{"enforcement_enabled":bool,"enforcement_source":"override"|"config"}`.
    public func settingsJSON() -> JSONValue {
        .object([
            ("enforcement_enabled", .bool(effectiveEnforcementEnabled)),
            ("enforcement_source", .string(flags.enforcementOverride == nil ? "config" : "override")),
        ])
    }

    /// The user's state at `at`: `{"state":...,"grace_started_at":...|null,"grace_ends_at":...|null}`.
    ///
    /// A time before the last record is clamped to it (the contract defines T at or after the last record). An
    /// unknown user is ACTIVE.
    public func enforcementJSON(userID: String, at: Timestamp) -> JSONValue {
        let evaluation = enforcement(userID: userID, at: at)
        return .object([
            ("state", .string(evaluation.state.name)),
            ("grace_started_at", evaluation.graceStartedAt.map { .string($0.civilUTCString()) } ?? .null),
            ("grace_ends_at", evaluation.graceEndsAt.map { .string($0.civilUTCString()) } ?? .null),
        ])
    }

    /// The user's state at `at` (clamped to the last record), with `grace_started_at` and `grace_ends_at` when the
    /// state is GRACE or DEGRADED.
    public func enforcement(
        userID: String, at: Timestamp
    ) -> (state: EnforcementState, graceStartedAt: Timestamp?, graceEndsAt: Timestamp?) {
        guard let slot = slot(of: userID) else { return (.active, nil, nil) }
        let time = max(at, lastRecordTime ?? at)
        let evaluation = evaluateEnforcement(slot: slot, at: time)
        return (evaluation.state, evaluation.graceStartedAt, evaluation.graceEndsAt)
    }

    /// The user's recorded transitions, oldest first (at most the last 16).
    public func enforcementTransitions(userID: String) -> [EnforcementTransition] {
        guard let detailsSlot = detailsSlot(ofSlot: slot(of: userID)) else { return [] }
        return details[detailsSlot].transitions
    }

    /// The caller's effective module policy: the plan's `module_rules` text while the user is DEGRADED, `{}`
    /// otherwise. Never part of a billing decision.
    public func effectiveModuleRulesJSON(userID: String, at: Timestamp) -> String {
        guard enforcement(userID: userID, at: at).state == .degraded,
            let plan = plan(ofDetails: detailsSlot(ofSlot: slot(of: userID))),
            let rules = plan.definition.moduleRulesJSON
        else { return "{}" }
        return rules
    }

    /// The plan a user is subscribed to, if any.
    public func planID(ofUser userID: String) -> String? {
        plan(ofDetails: detailsSlot(ofSlot: slot(of: userID)))?.definition.planID
    }

    /// The usage counter of (user, usage key).
    public func usage(userID: String, usageKey: String) -> Int64 {
        guard let detailsSlot = detailsSlot(ofSlot: slot(of: userID)) else { return 0 }
        return details[detailsSlot].usage[usageKey] ?? 0
    }

    public func isSuspended(userID: String) -> Bool {
        slot(of: userID).map { accounts[$0].suspended } ?? false
    }

    /// An amount of any width with exactly three decimals, like `Millicredits.formatted`.
    static func formatAmount(_ value: Int128) -> String {
        if let narrow = Int64(exactly: value) { return Millicredits(rawValue: narrow).formatted }
        let magnitude = value.magnitude
        let fraction = Int(magnitude % 1000)
        var text = value < 0 ? "-" : ""
        text += String(magnitude / 1000)
        text += "."
        if fraction < 100 { text += "0" }
        if fraction < 10 { text += "0" }
        text += String(fraction)
        return text
    }
}
