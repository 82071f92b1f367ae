import Synchronization

/// The key store the service authenticates against, replaceable while serving (`SIGHUP` reloads the key file, so
/// `tollgate keys add` and `keys revoke` take effect without a restart).
public final class APIKeyRing: Sendable {
    private let store: Mutex<APIKeyStore>
    /// Bumped by every ``replace(with:)``: a principal cached under an older generation (``PrincipalCache``) is
    /// re-authenticated, so a revoked key stops working at the next reload, as it does without a cache.
    private let generationCount = Atomic<UInt64>(0)

    public init(_ store: APIKeyStore) {
        self.store = Mutex(store)
    }

    public var current: APIKeyStore { store.withLock { $0 } }

    /// How many times the store was replaced; read without the store's lock.
    var generation: UInt64 { generationCount.load(ordering: .acquiring) }

    public func replace(with store: APIKeyStore) {
        self.store.withLock { current in
            current = store
            // Inside the lock, after the store: whoever sees the new generation authenticates against this store
            // or a newer one.
            generationCount.add(1, ordering: .releasing)
        }
    }
}
