/// The billing state folded from the log so far: balances, flags, plans, entitlements, windows the rules need.
///
/// A value: `decide` reads it, `fold` is the only writer. Users live in a dense array addressed through one
/// dictionary lookup; per-user histories are bounded by what the rules need (last 20 charges, the current UTC day,
/// 60-minute windows, idempotency keys, charged debits for refunds).
public struct State: Sendable {
    public let configuration: BillingConfiguration
    /// The time of the last folded record.
    public internal(set) var lastRecordTime: Timestamp?
    public internal(set) var recordCount: Int64 = 0

    /// Every change (a `set_flag` or `clear_flag` fold, a what-if's candidate flags, a snapshot's) moves
    /// `flagsVersion` on, which is what invalidates ``shadowedBySlot``.
    var flags = FlagSettings() {
        didSet { flagsVersion &+= 1 }
    }
    var userSlots: [String: Int32] = [:]
    var accounts = UserAccounts()
    var details: ContiguousArray<AccountDetails> = []
    var planSlots: [String: Int32] = [:]
    var plans: ContiguousArray<Plan> = []
    var chargedDebits = ChargedDebitLedger()
    var payments = PaymentLedger()
    /// Σ balances, kept wide so that many large balances cannot overflow it.
    var liabilityTotal: Int128 = 0
    /// The user id and slot of the last ``focusSlot(of:)``: lets `decide` and `fold` of the same record skip
    /// hashing the user id again (a verified replay hashed it 3–4 times per record). A pure cache: slots are
    /// never removed or renumbered, so the pair stays true for the life of the state. A slot of -1: the user had
    /// none at that look-up (a first sight), true until ``ensureSlot(of:)`` — the only place that gives slots —
    /// gives it one and replaces the hint, so `decide`'s look-up of a new user hashes nothing either.
    private var slotHint: (userID: String, slot: Int32)?
    /// Step 6 of the debit rule (shadow by flag, allowlist or rollout hash) per user slot, for
    /// ``compactDebitVerdict(slot:amount:time:)``: `flagsVersion << 1 | shadowed`, valid while its version is
    /// the current one. A pure cache: the answer depends only on the user id and the flags, and every change of
    /// `flags` moves `flagsVersion` on, so a stale entry is never read.
    var shadowedBySlot: [UInt64] = []
    /// Counts the flag changes folded (starts at 1, so that 0 is never a valid cache entry).
    var flagsVersion: UInt64 = 1

    public init(configuration: BillingConfiguration) {
        self.configuration = configuration
    }

    /// How many users a state may hold: slots are Int32.
    static let userCountMax = Int(Int32.max)

    /// The effective `credit_enforcement_enabled`: the runtime override, else the config.
    public var effectiveEnforcementEnabled: Bool {
        flags.enforcementOverride ?? configuration.creditEnforcementEnabled
    }

    /// Σ balances, negatives included (clamped to the Int64 range; `balancesJSON` prints the exact value).
    public var liability: Millicredits {
        Millicredits(rawValue: Int64(clamping: liabilityTotal))
    }

    // MARK: Slots

    func slot(of userID: String) -> Int? {
        if let slotHint, slotHint.userID == userID { return slotHint.slot >= 0 ? Int(slotHint.slot) : nil }
        return userSlots[userID].map { Int($0) }
    }

    /// Looks `userID` up once and remembers the answer for the `slot(of:)` and `ensureSlot(of:)` calls that
    /// follow (the verifier calls it before deciding and folding each record).
    mutating func focusSlot(of userID: String) -> Int? {
        guard let slot = userSlots[userID] else {
            slotHint = (userID, -1)
            return nil
        }
        slotHint = (userID, slot)
        return Int(slot)
    }

    /// Remembers that `userID` has `slot` (which the caller already knows, see ``LedgerVerifier``'s user keys)
    /// for the `slot(of:)` and `ensureSlot(of:)` calls that follow, without hashing the id.
    mutating func focus(userID: String, slot: Int32) {
        assert(userSlots[userID] == slot, "the slot is the user's")
        slotHint = (userID, slot)
    }

    /// The user's slot, creating an empty account on first sight.
    /// One hash of the id for the look-up and, on first sight, the insert (a look-up then an insert hashed it
    /// twice); a new slot is remembered as ``focus(userID:slot:)`` would, so the `slot(of:)` after the fold that
    /// gave it hashes nothing (docs/benchmarks.md `replay-faults`).
    mutating func ensureSlot(of userID: String) -> Int {
        if let slotHint, slotHint.userID == userID, slotHint.slot >= 0 { return Int(slotHint.slot) }
        let next = Int32(clamping: accounts.count)
        let slot = Self.storedValue(&userSlots[userID, default: next])  // Inserts `next` when the id has no slot.
        guard slot == next, Int(next) == accounts.count else { return Int(slot) }
        precondition(accounts.count < Self.userCountMax, "user count limit reached")
        accounts.append(UserAccount(userID: userID))
        slotHint = (userID, slot)
        return Int(slot)
    }

    /// The value a dictionary's `subscript(_:default:)` holds after a mutating access, which inserts the default
    /// for a missing key: look-up and insert in one probe.
    private static func storedValue(_ value: inout Int32) -> Int32 { value }

    /// The details slot of a user, allocating it on first need.
    mutating func ensureDetails(ofSlot slot: Int) -> Int {
        let existing = accounts[slot].detailsSlot
        if existing >= 0 { return Int(existing) }
        let detailsSlot = details.count
        details.append(AccountDetails())
        accounts[slot].detailsSlot = Int32(detailsSlot)
        return detailsSlot
    }

    func detailsSlot(ofSlot slot: Int?) -> Int? {
        guard let slot else { return nil }
        let detailsSlot = accounts[slot].detailsSlot
        return detailsSlot >= 0 ? Int(detailsSlot) : nil
    }

    func plan(ofDetails detailsSlot: Int?) -> Plan? {
        guard let detailsSlot else { return nil }
        let planSlot = details[detailsSlot].planSlot
        return planSlot >= 0 ? plans[Int(planSlot)] : nil
    }

    func idempotencyEntry(slot: Int?, _ key: IdempotencyKey) -> IdempotencyEntry? {
        guard let detailsSlot = detailsSlot(ofSlot: slot) else { return nil }
        return details[detailsSlot].idempotency[key]
    }
}
