import TollgateBilling

/// Every enforcement transition of a user over the whole log (`tollgate state --history`). The folded state keeps
/// only the last ``EnforcementTransition`` few; this scan folds record by record and collects each one as it is
/// recorded, so the history is complete.
public struct StateHistory: Sendable {
    public var userID: String
    /// Oldest first.
    public var transitions: [EnforcementTransition]
    /// The state folded from the whole log (for the current state).
    public var state: State

    public static func load(
        directory: String, userID: String, billing: BillingConfiguration, progress: ((Int64) -> Void)? = nil
    ) throws(EngineError) -> StateHistory {
        var state = State(configuration: billing)
        var transitions: [EnforcementTransition] = []
        try LedgerReader.scan(directory: directory, progress: progress) { entry in
            fold(&state, entry.record, seq: entry.seq, time: entry.time)
            // Transitions are noticed after records of the user and after a `define_plan` of their plan.
            let concerns: Bool
            if case .definePlan = entry.record { concerns = true } else { concerns = entry.record.userID == userID }
            if concerns, let last = state.enforcementTransitions(userID: userID).last, last.seq == entry.seq {
                transitions.append(last)
            }
            return true
        }
        return StateHistory(userID: userID, transitions: transitions, state: state)
    }

    /// `{"user_id":…,"state":{…now…},"transitions":[…]}`; "now" is the time of the last record.
    public var json: JSONValue {
        let now = state.lastRecordTime ?? Timestamp(millisecondsSinceEpoch: 0)
        return .object([
            ("user_id", .string(userID)), ("state", state.enforcementJSON(userID: userID, at: now)),
            ("transitions", .array(transitions.map(\.json))),
        ])
    }
}
