/// Dense numbers for user ids, in order of first sight (0, 1, 2, …; never reused).
///
/// Why: a verified replay gives each record's user its key once, on the reading thread (one hash of the id per
/// record), and hands the key along; the billing verifier and the accounting journal on the other thread then keep
/// their per-user data in arrays indexed by it instead of hashing the id again (docs/engine.md, "How
/// `replay --verify` uses the second core").
struct UserKeys {
    private var keysByUserID: [String: Int32] = [:]

    /// How many user ids have a key.
    var count: Int { keysByUserID.count }

    /// The key of `userID`, giving it the next one on first sight.
    mutating func key(of userID: String) -> Int32 {
        if let key = keysByUserID[userID] { return key }
        precondition(keysByUserID.count < Int(Int32.max), "user count limit reached")
        let key = Int32(keysByUserID.count)
        keysByUserID[userID] = key
        return key
    }
}
