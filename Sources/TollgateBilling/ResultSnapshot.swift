/// The fields of an applied result that a later `duplicate` must repeat exactly as they were then.
///
/// The applied result and every duplicate of it render from the same snapshot, so they cannot drift apart.
enum ResultSnapshot: Hashable, Sendable {
    case grant(seq: Int64, balanceAfter: Millicredits)
    case debit(seq: Int64, DebitSnapshot)
    case consume(seq: Int64, ConsumeSnapshot)

    struct DebitSnapshot: Hashable, Sendable {
        enum Mode: UInt8, Sendable { case charged, free, shadow }
        var mode: Mode
        var amount: Millicredits
        var balanceAfter: Millicredits
        var lowBalance: Bool
        var warned: Bool
        var anomaly: Bool
    }

    struct ConsumeSnapshot: Hashable, Sendable {
        var outcome: ConsumeOutcome
        var usageAfter: Int64
        var limit: Int64
        /// nil when the plan has no enforcement (or there is no plan).
        var graceRemaining: Int64?
        var overrideApplied: Bool
    }

    /// The result object with `status` `applied` or `duplicate`.
    func json(status: String) -> JSONValue {
        switch self {
        case .grant(let seq, let balanceAfter):
            return JSONValue.applied(status: status, seq: seq, [("balance_after", .amount(balanceAfter))])
        case .debit(let seq, let snapshot):
            var members = JSONValue.appliedMembers(status: status, seq: seq, extraCount: 7)
            switch snapshot.mode {
            case .charged:
                members.append(("mode", .string("charged")))
                members.append(("charged", .amount(snapshot.amount)))
            case .free:
                members.append(("mode", .string("free")))
                members.append(("charged", .amount(.zero)))
            case .shadow:
                members.append(("mode", .string("shadow")))
                members.append(("charged", .amount(.zero)))
                members.append(("shadow_charge", .amount(snapshot.amount)))
            }
            members.append(("balance_after", .amount(snapshot.balanceAfter)))
            members.append(("low_balance", .bool(snapshot.lowBalance)))
            if snapshot.warned { members.append(("warned", .bool(true))) }
            if snapshot.anomaly { members.append(("anomaly", .bool(true))) }
            return .object(members)
        case .consume(let seq, let snapshot):
            return JSONValue.applied(
                status: status, seq: seq, [("mode", .string(snapshot.outcome.modeName))] + snapshot.quotaFields)
        }
    }
}

extension ResultSnapshot.ConsumeSnapshot {
    /// `usage_after`, `limit`, `grace_remaining`, `override_applied`: carried by applied consumes and by a
    /// `quota_exceeded` rejection alike.
    var quotaFields: [(String, JSONValue)] {
        [
            ("usage_after", .int(usageAfter)), ("limit", .int(limit)),
            ("grace_remaining", graceRemaining.map(JSONValue.int) ?? .null),
            ("override_applied", .bool(overrideApplied)),
        ]
    }
}
