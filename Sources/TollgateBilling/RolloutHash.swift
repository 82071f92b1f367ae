/// FNV-1a 64 of a user id's UTF-8 bytes: the rollout bucket is `hash % 100`.
enum RolloutHash {
    static let offsetBasis: UInt64 = 14_695_981_039_346_656_037
    static let prime: UInt64 = 1_099_511_628_211

    static func fnv1a64(_ text: String) -> UInt64 {
        var hash = offsetBasis
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* prime
        }
        return hash
    }

    /// True when the user falls outside a rollout of `percentage` (0–100).
    static func isOutsideRollout(userID: String, percentage: Int64) -> Bool {
        Int64(fnv1a64(userID) % 100) >= percentage
    }
}
