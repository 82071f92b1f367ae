/// Dense numbers for user ids, in order of first sight (0, 1, 2, …; never reused).
///
/// Why: a verified replay gives each record's user its key once, on the reading thread (one hash of the id per
/// record), and hands the key along; the billing verifier and the accounting journal on the other thread then keep
/// their per-user data in arrays indexed by it instead of hashing the id again (docs/engine.md, "How
/// `replay --verify` uses the second core").
///
/// An open-addressing table (linear probing, at most half full) over an FNV-1a hash of the id's UTF-8 bytes rather
/// than a `[String: Int32]`: the per-record `Dictionary` lookup (SipHash set-up and finalisation for a ≤ 15-byte id)
/// was ~7 % of the reading thread. Only the answer (which key an id has) matters; the table's order is never read.
struct UserKeys {
    /// The user id of each key.
    private var userIDs: [String] = []
    /// The hash of each key's user id (compared before the ids, and reused when the table grows).
    private var hashesByKey: [UInt64] = []
    /// Per bucket: the key there, or -1 (empty). A power of two in size, at most half full.
    private var buckets: [Int32] = Array(repeating: -1, count: UserKeys.bucketCountMin)

    static let bucketCountMin = 1_024

    /// How many user ids have a key.
    var count: Int { userIDs.count }

    /// The key of `userID`, giving it the next one on first sight.
    mutating func key(of userID: String) -> Int32 {
        let hash = Self.hash(userID)
        let mask = buckets.count - 1
        var bucket = Int(truncatingIfNeeded: hash) & mask
        for _ in 0..<buckets.count {  // Bounded: the table is at most half full, so an empty bucket comes first.
            let key = buckets[bucket]
            if key < 0 { return insert(userID, hash: hash, at: bucket) }
            if hashesByKey[Int(key)] == hash && userIDs[Int(key)] == userID { return key }
            bucket = (bucket + 1) & mask
        }
        preconditionFailure("a user-key table with no empty bucket")
    }

    private mutating func insert(_ userID: String, hash: UInt64, at bucket: Int) -> Int32 {
        precondition(userIDs.count < Int(Int32.max), "user count limit reached")
        let key = Int32(userIDs.count)
        userIDs.append(userID)
        hashesByKey.append(hash)
        buckets[bucket] = key
        if userIDs.count * 2 > buckets.count { grow() }
        assert(userIDs.count == hashesByKey.count && userIDs.count * 2 <= buckets.count)
        return key
    }

    /// Doubles the table and places every key again by its stored hash.
    private mutating func grow() {
        var grown = [Int32](repeating: -1, count: buckets.count * 2)
        let mask = grown.count - 1
        for key in hashesByKey.indices {
            var bucket = Int(truncatingIfNeeded: hashesByKey[key]) & mask
            while grown[bucket] >= 0 { bucket = (bucket + 1) & mask }  // Bounded: half of `grown` stays empty.
            grown[bucket] = Int32(key)
        }
        buckets = grown
    }

    /// FNV-1a 64 over the id's UTF-8 bytes, then a multiply–xorshift finaliser so that the low bits (the bucket)
    /// depend on every byte.
    private static func hash(_ userID: String) -> UInt64 {
        var hash: UInt64 = 14_695_981_039_346_656_037
        for byte in userID.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 1_099_511_628_211
        }
        hash ^= hash >> 33
        hash = hash &* 0xff51_afd7_ed55_8ccd
        hash ^= hash >> 33
        return hash
    }
}
