import Synchronization

/// The key store the service authenticates against, replaceable while serving (`SIGHUP` reloads the key file, so
/// `tollgate keys add` and `keys revoke` take effect without a restart).
public final class APIKeyRing: Sendable {
    private let store: Mutex<APIKeyStore>

    public init(_ store: APIKeyStore) {
        self.store = Mutex(store)
    }

    public var current: APIKeyStore { store.withLock { $0 } }

    public func replace(with store: APIKeyStore) {
        self.store.withLock { $0 = store }
    }
}
