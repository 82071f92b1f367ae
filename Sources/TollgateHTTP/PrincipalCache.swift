/// One connection's last authenticated API key: the debit fast path answers a keep-alive connection's debits
/// from the same key, and each lookup hashed the key (SHA-256) and compared it with every stored digest.
///
/// An entry holds for the exact key bytes presented and for one generation of the ``APIKeyRing``: after a reload
/// (`SIGHUP`) the next request authenticates against the new store, so an added key works and a revoked key stops
/// working exactly as without the cache. Only hits are cached; an unknown key is looked up every time. Owned by one
/// connection's handler on its event loop (not shared, no lock).
struct PrincipalCache {
    private var key: String?
    private var principal: Principal?
    private var generation: UInt64 = 0

    /// The principal of `key`, from the cache while the ring has not been replaced, else from the ring's store.
    mutating func authenticate(key presented: String, in ring: APIKeyRing) -> Principal? {
        let generation = ring.generation
        if let key, let principal, self.generation == generation, Self.equal(key, presented) {
            return principal
        }
        // Read the generation before the store: a reload in between caches a newer store's answer under the older
        // generation, which only costs one more lookup.
        guard let principal = ring.current.authenticate(key: presented) else { return nil }
        self.key = presented
        self.principal = principal
        self.generation = generation
        return principal
    }

    /// Compares every byte (no early exit on the first difference), as the store compares digests: the cached key is
    /// the connection's own earlier key, but timing should not tell a client how much of a key it guessed.
    private static func equal(_ left: String, _ right: String) -> Bool {
        var left = left
        var right = right
        // Native strings are contiguous already; the closures compare their bytes in place.
        return left.withUTF8 { leftBytes in
            right.withUTF8 { rightBytes in
                guard leftBytes.count == rightBytes.count else { return false }
                var difference: UInt8 = 0
                for index in 0..<leftBytes.count { difference |= leftBytes[index] ^ rightBytes[index] }
                return difference == 0
            }
        }
    }
}
