import Logging
import ServiceLifecycle
import UnixSignals

/// Reloads the key file on `SIGHUP` until graceful shutdown. A file that fails to load leaves the keys in force
/// unchanged (and says why in the log), so a bad edit never locks everyone out.
public struct KeyReloadService: Service {
    let ring: APIKeyRing
    let path: String
    let logger: Logger

    public init(ring: APIKeyRing, path: String, logger: Logger) {
        self.ring = ring
        self.path = path
        self.logger = logger
    }

    public func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        for await _ in signals.cancelOnGracefulShutdown() {
            reload()
        }
    }

    /// Loads the file and swaps it in; returns whether it did.
    @discardableResult
    public func reload() -> Bool {
        do {
            let store = try APIKeyStore.load(path: path)
            ring.replace(with: store)
            logger.info("reloaded API keys", metadata: ["path": "\(path)", "count": "\(store.entries.count)"])
            return true
        } catch {
            logger.error("key file not reloaded; the previous keys stay in force", metadata: ["error": "\(error)"])
            return false
        }
    }
}
