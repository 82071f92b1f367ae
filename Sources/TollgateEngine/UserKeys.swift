#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Dense numbers for user ids, in order of first sight (0, 1, 2, …; never reused).
///
/// Why: a verified replay gives each record's user its key once, on the reading thread (one hash of the id per
/// record), and hands the key along; the billing verifier and the accounting journal on the other thread then keep
/// their per-user data in arrays indexed by it instead of hashing the id again (docs/engine.md, "How
/// `replay --verify` uses the second core").
///
/// An open-addressing table (linear probing, at most half full) over a word-at-a-time hash of the id's UTF-8 bytes
/// rather than a `[String: Int32]`: the per-record `Dictionary` lookup (SipHash set-up and finalisation for a
/// ≤ 15-byte id) was ~7 % of the reading thread. Only the answer (which key an id has) matters; the table's order
/// is never read. A log crafted for hash collisions slows its own replay down, never changes its answer.
struct UserKeys {
    /// The user id of each key.
    private var userIDs: [String] = []
    /// The UTF-8 bytes of every key's user id, end to end, and where each ends: what ``existingKey(ofUTF8:)``
    /// compares with (comparing through `String.utf8` was ~4 % of the reading thread).
    private var idBytes: [UInt8] = []
    private var idEnds: [Int] = []
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

    /// The key of the user id spelled by `userIDBytes` (UTF-8) if it has one; nil on first sight (nothing is
    /// inserted: ``key(of:)`` does that). Lets a reader look a known user up without making a `String`.
    func existingKey(ofUTF8 userIDBytes: UnsafeBufferPointer<UInt8>) -> Int32? {
        let hash = Self.hash(bytes: UnsafeRawBufferPointer(userIDBytes))
        let mask = buckets.count - 1
        var bucket = Int(truncatingIfNeeded: hash) & mask
        for _ in 0..<buckets.count {  // Bounded: the table is at most half full, so an empty bucket comes first.
            let key = buckets[bucket]
            if key < 0 { return nil }
            if hashesByKey[Int(key)] == hash && idBytesEqual(key: Int(key), userIDBytes) { return key }
            bucket = (bucket + 1) & mask
        }
        preconditionFailure("a user-key table with no empty bucket")
    }

    private func idBytesEqual(key: Int, _ userIDBytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let start = key == 0 ? 0 : idEnds[key - 1]
        let count = idEnds[key] - start
        guard count == userIDBytes.count else { return false }
        return idBytes.withUnsafeBufferPointer { stored in
            count == 0 || memcmp(stored.baseAddress! + start, userIDBytes.baseAddress!, count) == 0
        }
    }

    private mutating func insert(_ userID: String, hash: UInt64, at bucket: Int) -> Int32 {
        precondition(userIDs.count < Int(Int32.max), "user count limit reached")
        let key = Int32(userIDs.count)
        userIDs.append(userID)
        idBytes.append(contentsOf: userID.utf8)
        idEnds.append(idBytes.count)
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

    /// A hash of the id's UTF-8 bytes read 8 at a time (ids are short: one or two words), each word mixed in by a
    /// multiply–xorshift, the length too; then a finaliser so that the low bits (the bucket) depend on every byte.
    /// Byte-at-a-time FNV-1a through `String.utf8` was ~2.5 % of a replay.
    private static func hash(_ userID: String) -> UInt64 {
        var copy = userID  // `withUTF8` may make the string native and contiguous; ids from the log already are.
        return copy.withUTF8 { hash(bytes: UnsafeRawBufferPointer($0)) }
    }

    /// ``hash(_:)`` of an id's UTF-8 bytes.
    private static func hash(bytes raw: UnsafeRawBufferPointer) -> UInt64 {
        var hash: UInt64 = 0x9e37_79b9_7f4a_7c15 ^ UInt64(raw.count)
        var offset = 0
        while offset + 8 <= raw.count {  // Bounded by the id's length.
            hash = mix(hash ^ raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
            offset += 8
        }
        if offset < raw.count {
            var tail: UInt64 = 0
            for index in offset..<raw.count { tail |= UInt64(raw[index]) << (UInt64(index - offset) * 8) }
            hash = mix(hash ^ tail)
        }
        return mix(hash)
    }

    @inline(__always)
    private static func mix(_ value: UInt64) -> UInt64 {
        var x = value &* 0xff51_afd7_ed55_8ccd
        x ^= x >> 32
        x = x &* 0xc4ce_b9fe_1a85_ec53
        x ^= x >> 29
        return x
    }
}
