import TollgateBilling

/// The snapshot part of `tollgate reconcile`: the newest valid snapshot's state against the fold of the log up to
/// its seq — balances per user, the liability, and the whole state byte for byte.
public struct SnapshotReconciliation: Sendable {
    public struct UserLine: Sendable {
        public var userID: String
        public var snapshotBalance: Millicredits
        public var foldBalance: Millicredits
    }

    public var name: String
    public var seq: Int64
    /// Users whose balance in the snapshot differs from the fold's, sorted.
    public var drifts: [UserLine]
    public var snapshotLiability: Int128
    public var foldLiability: Int128
    /// Every field of the state is equal (the encodings are canonical, so equal bytes).
    public var stateIdentical: Bool

    public var ok: Bool { drifts.isEmpty && snapshotLiability == foldLiability && stateIdentical }

    init(name: String, seq: Int64, snapshotState: State, folded: State) {
        self.name = name
        self.seq = seq
        var snapshotBalances: [String: Millicredits] = [:]
        for (userID, balance) in snapshotState.balances() { snapshotBalances[userID] = balance }
        var foldBalances: [String: Millicredits] = [:]
        for (userID, balance) in folded.balances() { foldBalances[userID] = balance }
        drifts = Set(snapshotBalances.keys).union(foldBalances.keys).sorted().compactMap { userID in
            let inSnapshot = snapshotBalances[userID] ?? .zero
            let inFold = foldBalances[userID] ?? .zero
            return inSnapshot == inFold
                ? nil : UserLine(userID: userID, snapshotBalance: inSnapshot, foldBalance: inFold)
        }
        snapshotLiability = snapshotState.liabilityExact
        foldLiability = folded.liabilityExact
        stateIdentical = snapshotState.snapshotBytes() == folded.snapshotBytes()
    }

    public var json: JSONValue {
        .object([
            ("file", .string(name)), ("seq", .int(seq)), ("ok", .bool(ok)),
            ("state_identical", .bool(stateIdentical)),
            ("liability", .string(Reconciliation.format(snapshotLiability))),
            ("fold_liability", .string(Reconciliation.format(foldLiability))),
            (
                "drifts",
                .array(
                    drifts.map {
                        .object([
                            ("user_id", .string($0.userID)), ("snapshot_balance", .amount($0.snapshotBalance)),
                            ("fold_balance", .amount($0.foldBalance)),
                        ])
                    })
            ),
        ])
    }
}
