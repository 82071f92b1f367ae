import TollgateBilling

/// The ledger against the projection (`tollgate reconcile`): for every user, Σ applied grants + Σ applied refunds
/// − Σ charged debits summed from the records themselves, against the balance the fold projects; and the total
/// against the projected liability. Checked after every record, so a drift is reported with the first seq where it
/// appears (per user and for the total).
public struct Reconciliation: Sendable {
    public struct UserLine: Sendable {
        public var userID: String
        /// Σ grants + Σ refunds − Σ charged debits, exact.
        public var ledgerSum: Int128
        public var balance: Millicredits
        /// The first seq after which the two differed; nil when they always agreed.
        public var firstDriftSeq: Int64?
        public var drift: Int128 { Int128(balance.rawValue) - ledgerSum }

        public var json: JSONValue {
            .object([
                ("user_id", .string(userID)), ("ledger_sum", .string(Reconciliation.format(ledgerSum))),
                ("balance", .amount(balance)), ("drift", .string(Reconciliation.format(drift))),
                ("first_drift_seq", firstDriftSeq.map(JSONValue.int) ?? .null),
            ])
        }
    }

    public var recordCount: Int64
    /// Every user with a grant, debit or refund record, sorted by id.
    public var users: [UserLine]
    public var ledgerTotal: Int128
    public var liability: Int128
    public var firstTotalDriftSeq: Int64?
    /// The newest valid snapshot against the fold at its seq; nil when there is none.
    public var snapshot: SnapshotReconciliation? = nil
    /// Snapshots skipped as invalid (damaged, another config, not matching the log).
    public var snapshotWarnings: [String] = []

    public var ok: Bool {
        firstTotalDriftSeq == nil && users.allSatisfy { $0.firstDriftSeq == nil } && snapshot?.ok != false
    }

    public static func run(
        directory: String, billing: BillingConfiguration, progress: ((Int64) -> Void)? = nil
    ) throws(EngineError) -> Reconciliation {
        var snapshotWarnings: [String] = []
        let newest = SnapshotStore(directory: directory).newestValid(billing: billing, warnings: &snapshotWarnings)
        var snapshotCheck: SnapshotReconciliation?
        var state = State(configuration: billing)
        var sums: [String: Int128] = [:]
        var firstDrift: [String: Int64] = [:]
        var total: Int128 = 0
        var firstTotalDrift: Int64?
        var recordCount: Int64 = 0
        try LedgerReader.scan(directory: directory, progress: progress) { entry in
            recordCount += 1
            fold(&state, entry.record, seq: entry.seq, time: entry.time)
            let change = Int128(entry.record.balanceChange.rawValue)
            total += change
            if let userID = entry.record.userID {
                switch entry.record {
                case .grant, .debit, .refund, .purchaseGrant, .cashRefund:
                    sums[userID, default: 0] += change
                    if firstDrift[userID] == nil, Int128(state.balance(userID: userID).rawValue) != sums[userID] {
                        firstDrift[userID] = entry.seq
                    }
                default:
                    break
                }
            }
            if firstTotalDrift == nil, total != state.liabilityExact { firstTotalDrift = entry.seq }
            if let newest, entry.seq == newest.snapshot.seq {
                snapshotCheck = SnapshotReconciliation(
                    name: SnapshotStore.fileName(seq: entry.seq), seq: entry.seq, snapshotState: newest.state,
                    folded: state)
            }
            return true
        }
        let users = sums.keys.sorted().map { userID in
            UserLine(
                userID: userID, ledgerSum: sums[userID]!, balance: state.balance(userID: userID),
                firstDriftSeq: firstDrift[userID])
        }
        return Reconciliation(
            recordCount: recordCount, users: users, ledgerTotal: total, liability: state.liabilityExact,
            firstTotalDriftSeq: firstTotalDrift, snapshot: snapshotCheck, snapshotWarnings: snapshotWarnings)
    }

    public var json: JSONValue {
        .object([
            ("ok", .bool(ok)), ("records", .int(recordCount)),
            (
                "total",
                .object([
                    ("ledger_sum", .string(Self.format(ledgerTotal))), ("liability", .string(Self.format(liability))),
                    ("drift", .string(Self.format(liability - ledgerTotal))),
                    ("first_drift_seq", firstTotalDriftSeq.map(JSONValue.int) ?? .null),
                ])
            ),
            ("users", .array(users.map(\.json))),
        ] + (snapshot.map { [("snapshot", $0.json)] } ?? []))
    }

    /// Three decimals, any width.
    public static func format(_ value: Int128) -> String {
        if let narrow = Int64(exactly: value) { return Millicredits(rawValue: narrow).formatted }
        let magnitude = value.magnitude
        let fraction = String(magnitude % 1000)
        return (value < 0 ? "-" : "") + String(magnitude / 1000) + "."
            + String(repeating: "0", count: 3 - fraction.count) + fraction
    }
}
