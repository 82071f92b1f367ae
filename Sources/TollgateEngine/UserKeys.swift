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
    /// Per key, three words: the id's first 16 UTF-8 bytes (little-endian, zero-padded) and its length — what a
    /// lookup compares first, in one place (comparing through `String.utf8` was ~4 % of the reading thread, and the
    /// scattered loads of a separate hash, end offset and bytes per probe were cache misses).
    private var idHeads: [UInt64] = []
    /// The UTF-8 bytes of every key's user id, end to end, and where each ends: compared beyond the first 16
    /// bytes only (long ids).
    private var idBytes: [UInt8] = []
    private var idEnds: [Int] = []
    /// The hash of each key's user id (reused when the table grows).
    private var hashesByKey: [UInt64] = []
    /// Per bucket: 0 (empty) or the high 32 bits of the id's hash above `key + 1` — so a probe rejects another
    /// id by its hash without loading anything else. A power of two in size, at most half full.
    private var buckets: [UInt64] = Array(repeating: 0, count: UserKeys.bucketCountMin)

    static let bucketCountMin = 1_024

    /// How many user ids have a key.
    var count: Int { userIDs.count }

    /// The most users ``reserveCapacity(users:)`` reserves the per-key arrays for (~66 bytes a user: ~4 MiB of
    /// address space, written only as users come).
    static let reservedUserCountMax = 1 << 16

    /// Prepares the per-key arrays (append-only, filled in key order) for about `users` users, up to
    /// ``reservedUserCountMax``: growing them by doubling copied and page-faulted them again on the reading thread;
    /// reserved room never written costs no memory. The buckets are not reserved: they are zeroed and written
    /// scattered, so room for more users than come would be touched whole.
    mutating func reserveCapacity(users: Int) {
        let users = min(max(0, users), Self.reservedUserCountMax)
        userIDs.reserveCapacity(users)
        idHeads.reserveCapacity(3 * users)
        idEnds.reserveCapacity(users)
        hashesByKey.reserveCapacity(users)
    }

    /// The key of `userID`, giving it the next one on first sight.
    mutating func key(of userID: String) -> Int32 {
        var copy = userID  // `withUTF8` may make the string native and contiguous; ids from the log already are.
        let (found, hash, bucket) = copy.withUTF8 { lookUp(UnsafeRawBufferPointer($0)) }
        if let found { return found }
        return insert(userID, hash: hash, at: bucket)
    }

    /// The key of the user id spelled by `userIDBytes` (UTF-8) if it has one; nil on first sight (nothing is
    /// inserted: ``key(of:)`` does that). Lets a reader look a known user up without making a `String`.
    func existingKey(ofUTF8 userIDBytes: UnsafeBufferPointer<UInt8>) -> Int32? {
        lookUp(UnsafeRawBufferPointer(userIDBytes)).key
    }

    /// An id of at most ``shortIDBytesMax`` bytes as a batch lookup takes it (``existingKeys(of:into:)``): its hash
    /// and its bytes as the two head words and the length that a probe compares (the whole id).
    struct ShortID {
        var hash: UInt64
        var head0: UInt64
        var head1: UInt64
        var count: Int

        /// The id's UTF-8 bytes, from the head words (little-endian).
        var bytes: [UInt8] {
            (0..<count).map { index in
                UInt8(truncatingIfNeeded: (index < 8 ? head0 : head1) >> (UInt64(index % 8) * 8))
            }
        }
    }

    /// The longest id a ``ShortID`` holds: the two head words.
    static let shortIDBytesMax = 16

    /// `raw` (at most ``shortIDBytesMax`` bytes) as a ``ShortID``: the hash and the words a probe compares, taken
    /// while the bytes are at hand (a reader's borrowed record), the lookup left for later.
    @inline(__always)
    static func shortID(_ raw: UnsafeRawBufferPointer) -> ShortID {
        assert(raw.count <= shortIDBytesMax)
        let (head0, head1) = headWords(raw)
        return ShortID(
            hash: hash(head0: head0, head1: head1, count: raw.count), head0: head0, head1: head1, count: raw.count)
    }

    /// ``existingKey(ofUTF8:)`` of each of `ids` (-1 for one without a key), the lookups of a batch together: every
    /// id's first bucket is loaded, then the stored head of each bucket's key, before anything is compared, so the
    /// cache misses on the table (32k buckets for 10k users, hit in log order) overlap instead of following one
    /// another. Any id whose first bucket is not a plain hit takes the one-at-a-time probe. `mutating` though it
    /// changes nothing: a reader holding the table in an optional then calls it in place (a non-mutating call
    /// through `userKeys!` copied the table, retaining and releasing its six arrays per batch).
    mutating func existingKeys(of ids: UnsafeBufferPointer<ShortID>, into keys: UnsafeMutableBufferPointer<Int32>) {
        precondition(keys.count >= ids.count, "a key per id")
        let mask = buckets.count - 1
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: 4 * ids.count) { loaded in
            buckets.withUnsafeBufferPointer { table in
                for index in ids.indices { loaded[4 * index] = table[Int(truncatingIfNeeded: ids[index].hash) & mask] }
            }
            idHeads.withUnsafeBufferPointer { heads in
                for index in ids.indices {
                    let entry = loaded[4 * index]
                    guard entry != 0, entry & 0xFFFF_FFFF_0000_0000 == ids[index].hash & 0xFFFF_FFFF_0000_0000 else {
                        continue
                    }
                    let key = Int(truncatingIfNeeded: entry & 0xFFFF_FFFF) - 1
                    loaded[4 * index + 1] = heads[3 * key]
                    loaded[4 * index + 2] = heads[3 * key + 1]
                    loaded[4 * index + 3] = heads[3 * key + 2]
                }
            }
            for index in ids.indices {
                let id = ids[index]
                let entry = loaded[4 * index]
                if entry == 0 {
                    keys[index] = -1  // The first bucket is empty: no key.
                    continue
                }
                if entry & 0xFFFF_FFFF_0000_0000 == id.hash & 0xFFFF_FFFF_0000_0000 && loaded[4 * index + 1] == id.head0
                    && loaded[4 * index + 2] == id.head1 && loaded[4 * index + 3] == UInt64(id.count)
                {
                    keys[index] = Int32(truncatingIfNeeded: entry & 0xFFFF_FFFF) - 1
                    continue
                }
                keys[index] = probe(id) ?? -1  // A collision or a longer chain: probed one at a time.
            }
        }
    }

    /// ``lookUp(_:)``'s probe for a short id (its head words are the whole id).
    private func probe(_ id: ShortID) -> Int32? {
        let tag = id.hash & 0xFFFF_FFFF_0000_0000
        let mask = buckets.count - 1
        var bucket = Int(truncatingIfNeeded: id.hash) & mask
        for _ in 0..<buckets.count {  // Bounded: the table is at most half full, so an empty bucket comes first.
            let entry = buckets[bucket]
            if entry == 0 { return nil }
            if entry & 0xFFFF_FFFF_0000_0000 == tag {
                let key = Int(truncatingIfNeeded: entry & 0xFFFF_FFFF) - 1
                if idHeads[3 * key] == id.head0 && idHeads[3 * key + 1] == id.head1
                    && idHeads[3 * key + 2] == UInt64(id.count)
                {
                    return Int32(key)
                }
            }
            bucket = (bucket + 1) & mask
        }
        preconditionFailure("a user-key table with no empty bucket")
    }

    /// The id's key, or nil and the empty bucket where it would go; and its hash.
    private func lookUp(_ raw: UnsafeRawBufferPointer) -> (key: Int32?, hash: UInt64, bucket: Int) {
        let (head0, head1) = Self.headWords(raw)
        let hash = raw.count <= 16 ? Self.hash(head0: head0, head1: head1, count: raw.count) : Self.hash(bytes: raw)
        let tag = hash & 0xFFFF_FFFF_0000_0000
        let mask = buckets.count - 1
        var bucket = Int(truncatingIfNeeded: hash) & mask
        for _ in 0..<buckets.count {  // Bounded: the table is at most half full, so an empty bucket comes first.
            let entry = buckets[bucket]
            if entry == 0 { return (nil, hash, bucket) }
            if entry & 0xFFFF_FFFF_0000_0000 == tag {
                let key = Int(truncatingIfNeeded: entry & 0xFFFF_FFFF) - 1
                if idHeads[3 * key] == head0 && idHeads[3 * key + 1] == head1
                    && idHeads[3 * key + 2] == UInt64(raw.count) && (raw.count <= 16 || tailEqual(key: key, raw))
                {
                    return (Int32(key), hash, bucket)
                }
            }
            bucket = (bucket + 1) & mask
        }
        preconditionFailure("a user-key table with no empty bucket")
    }

    /// Whether the bytes of key `key`'s id after the first 16 are `raw`'s (whose length is that id's, > 16).
    private func tailEqual(key: Int, _ raw: UnsafeRawBufferPointer) -> Bool {
        let start = key == 0 ? 0 : idEnds[key - 1]
        assert(idEnds[key] - start == raw.count && raw.count > 16)
        return idBytes.withUnsafeBufferPointer { stored in
            memcmp(stored.baseAddress! + start + 16, raw.baseAddress! + 16, raw.count - 16) == 0
        }
    }

    private mutating func insert(_ userID: String, hash: UInt64, at bucket: Int) -> Int32 {
        precondition(userIDs.count < Int(Int32.max) - 1, "user count limit reached")
        let key = Int32(userIDs.count)
        userIDs.append(userID)
        idBytes.append(contentsOf: userID.utf8)
        idEnds.append(idBytes.count)
        var copy = userID
        let (head0, head1) = copy.withUTF8 { Self.headWords(UnsafeRawBufferPointer($0)) }
        // Three appends, not `append(contentsOf: [...])`: that allocated and freed an array per user.
        idHeads.append(head0)
        idHeads.append(head1)
        idHeads.append(UInt64(userID.utf8.count))
        hashesByKey.append(hash)
        buckets[bucket] = Self.entry(hash: hash, key: Int(key))
        if userIDs.count * 2 > buckets.count { grow() }
        assert(userIDs.count == hashesByKey.count && 3 * userIDs.count == idHeads.count)
        assert(userIDs.count * 2 <= buckets.count)
        return key
    }

    /// A bucket's word for `key`: its hash's high half above `key + 1` (never 0).
    private static func entry(hash: UInt64, key: Int) -> UInt64 {
        (hash & 0xFFFF_FFFF_0000_0000) | UInt64(key + 1)
    }

    /// The first 16 bytes of an id as two little-endian words, zero-padded — read a word (or two overlapping
    /// half-words) at a time inside the id's bytes, never past them: no per-byte loop (the byte loop for the tail
    /// of a 9-byte id was ~0.7 % of a replay, docs/benchmarks.md `verify-reader`).
    @inline(__always)
    static func headWords(_ raw: UnsafeRawBufferPointer) -> (UInt64, UInt64) {
        let count = raw.count
        if count >= 16 {
            return (raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self),
                    raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
        }
        if count > 8 {
            // The last 8 bytes overlap the first word; shifted down, the bytes before offset 8 drop out.
            let last = raw.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)
            return (raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self), last >> (UInt64(16 - count) * 8))
        }
        return (partialWord(raw), 0)
    }

    /// All of `raw` (at most 8 bytes) as a little-endian word, zero-padded: two overlapping loads of half the
    /// width each, OR-ed (the bytes both cover sit at the same place in both).
    @inline(__always)
    private static func partialWord(_ raw: UnsafeRawBufferPointer) -> UInt64 {
        let count = raw.count
        assert(count <= 8)
        if count == 8 { return raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self) }
        if count >= 4 {
            let low = UInt64(raw.loadUnaligned(fromByteOffset: 0, as: UInt32.self))
            let high = UInt64(raw.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self))
            return low | high << (UInt64(count - 4) * 8)
        }
        if count >= 2 {
            let low = UInt64(raw.loadUnaligned(fromByteOffset: 0, as: UInt16.self))
            let high = UInt64(raw.loadUnaligned(fromByteOffset: count - 2, as: UInt16.self))
            return low | high << (UInt64(count - 2) * 8)
        }
        return count == 1 ? UInt64(raw.load(fromByteOffset: 0, as: UInt8.self)) : 0
    }

    /// Doubles the table and places every key again by its stored hash.
    private mutating func grow() {
        var grown = [UInt64](repeating: 0, count: buckets.count * 2)
        let mask = grown.count - 1
        for key in hashesByKey.indices {
            var bucket = Int(truncatingIfNeeded: hashesByKey[key]) & mask
            while grown[bucket] != 0 { bucket = (bucket + 1) & mask }  // Bounded: half of `grown` stays empty.
            grown[bucket] = Self.entry(hash: hashesByKey[key], key: key)
        }
        buckets = grown
    }

    /// The hash of an id whose first 16 bytes are `head0`, `head1` (``headWords(_:)``) and whose length is
    /// `count`: one 64 × 64 → 128-bit multiply of the two words (each with a constant mixed in, the length in the
    /// second), folded high half into low — so both the low bits (the bucket) and the high half (the tag) depend on
    /// every byte. Ids of ≤ 16 bytes (every id of a normal log) are hashed from the words a lookup compares anyway;
    /// longer ids fold their further words in (``hash(bytes:)``). It replaced a multiply–xorshift per word, a byte
    /// loop for the tail and a finaliser (~5 % of a replay as a call of its own; docs/benchmarks.md
    /// `verify-reader`). Only equal ids must hash equal; a log crafted for collisions slows itself down.
    @inline(__always)
    static func hash(head0: UInt64, head1: UInt64, count: Int) -> UInt64 {
        fold(head0 ^ 0x9e37_79b9_7f4a_7c15, (head1 ^ 0xd6e8_feb8_6659_fd93) &+ UInt64(truncatingIfNeeded: count))
    }

    /// The hash of any id (``hash(head0:head1:count:)`` for ≤ 16 bytes; beyond, each further word — the last one
    /// read overlapping the one before — folded in).
    static func hash(bytes raw: UnsafeRawBufferPointer) -> UInt64 {
        let (head0, head1) = headWords(raw)
        var hash = hash(head0: head0, head1: head1, count: raw.count)
        guard raw.count > 16 else { return hash }
        var offset = 16
        while offset < raw.count {  // Bounded by the id's length.
            let word = raw.loadUnaligned(fromByteOffset: min(offset, raw.count - 8), as: UInt64.self)
            hash = fold(hash ^ word, 0xa076_1d64_78bd_642f)
            offset += 8
        }
        return hash
    }

    /// The full 128-bit product of `a` and `b`, its two halves XOR-ed.
    @inline(__always)
    private static func fold(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let product = a.multipliedFullWidth(by: b)
        return product.high ^ product.low
    }
}
