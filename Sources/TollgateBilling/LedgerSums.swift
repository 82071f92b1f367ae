/// Σ grants + Σ refunds − Σ charged debits per user, summed from the records themselves (``LedgerVerifier``'s
/// balance equation).
///
/// Why not a `[String: Int128]`: a verified replay adds to one user's sum for almost every record, and hashing the
/// user id for each was the largest single cost of `replay --verify`. Sums are kept per dense user slot of
/// ``State`` instead; the verifier names the record's user and slot once (``focus(userID:slot:)``), and the subscript
/// takes the array path when it is asked about that user — a short string comparison instead of a hash. Any
/// other user id (or a user without a slot, which only a broken log produces) falls back to a dictionary, so the
/// subscript keeps the semantics of the dictionary it replaced.
struct LedgerSums: Sendable {
    /// Sum per user slot; `touched[slot]` tells whether that user has ledger records at all.
    private var sumBySlot: [Int128] = []
    private var touched: [Bool] = []
    /// Users named without a slot.
    private var unslotted: [String: Int128] = [:]
    private var focusUserID: String?
    private var focusSlot = -1

    /// Names the user (and its ``State`` slot, if it has one) that the next subscript uses are expected to be about.
    mutating func focus(userID: String?, slot: Int?) {
        focusUserID = userID
        guard let slot, userID != nil else {
            focusSlot = -1
            return
        }
        assert(slot >= 0 && slot < State.userCountMax, "user slot out of range")
        if slot >= sumBySlot.count {
            let missing = slot + 1 - sumBySlot.count
            sumBySlot.append(contentsOf: repeatElement(0, count: missing))
            touched.append(contentsOf: repeatElement(false, count: missing))
        }
        focusSlot = slot
    }

    /// Same contract as `Dictionary.subscript(_:default:)`: reading or writing creates the entry.
    subscript(userID: String, default defaultValue: Int128) -> Int128 {
        get {
            if focusSlot >= 0, userID == focusUserID {
                return touched[focusSlot] ? sumBySlot[focusSlot] : defaultValue
            }
            return unslotted[userID] ?? defaultValue
        }
        set {
            if focusSlot >= 0, userID == focusUserID {
                sumBySlot[focusSlot] = newValue
                touched[focusSlot] = true
            } else {
                unslotted[userID] = newValue
            }
        }
    }

    /// Adds `amount` to the sum of the user of `slot` (which has one): the subscript's array path without naming the
    /// user (``LedgerVerifier``'s compact debits carry no id to compare). Inlined into the verifier's charge (it was
    /// a call per debit, ~3 % of a 10M-record replay's CPU with its body); a slot not yet touched takes the call.
    @inline(__always)
    mutating func add(_ amount: Int128, slot: Int) {
        if slot >= 0 && slot < touched.count && touched[slot] {
            sumBySlot[slot] += amount
            return
        }
        addTouching(amount, slot: slot)
    }

    /// ``add(_:slot:)`` of a slot not yet touched: grows the arrays to it and marks it.
    @inline(never)
    private mutating func addTouching(_ amount: Int128, slot: Int) {
        assert(slot >= 0 && slot < State.userCountMax, "user slot out of range")
        if slot >= sumBySlot.count {
            let missing = slot + 1 - sumBySlot.count
            sumBySlot.append(contentsOf: repeatElement(0, count: missing))
            touched.append(contentsOf: repeatElement(false, count: missing))
        }
        sumBySlot[slot] += amount
        if !touched[slot] { touched[slot] = true }  // Read first: no write (and no uniqueness check) once set.
    }

    /// The sum of the user at `slot` (whose id is `userID`), its slot's and any it has unslotted; nil when that user
    /// has no ledger records. The end of a replay asks once per user with a balance (no dictionary of every user's sum).
    func sum(slot: Int, userID: String) -> Int128? {
        var sum: Int128?
        if slot < touched.count, touched[slot] { sum = sumBySlot[slot] }
        if !unslotted.isEmpty, let extra = unslotted[userID] { sum = (sum ?? 0) + extra }
        return sum
    }

    /// The ids of the users with ledger records but no ledger activity in `state` (a broken log only), sorted.
    func userIDsWithoutActivity(in state: State) -> [String] {
        var found: Set<String> = []
        for slot in touched.indices where touched[slot] && !state.accounts[slot].hasLedgerActivity {
            found.insert(state.accounts[slot].userID)
        }
        for userID in unslotted.keys {
            if let slot = state.slot(of: userID), state.accounts[slot].hasLedgerActivity { continue }
            found.insert(userID)
        }
        return found.sorted()
    }
}
