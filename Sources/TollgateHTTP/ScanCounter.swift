import Synchronization

/// A bounded count of work in flight (``LogHistory``'s concurrent log scans).
final class ScanCounter: Sendable {
    private let count = Mutex(0)

    /// Takes a slot if fewer than `max` are taken.
    func enter(max: Int) -> Bool {
        count.withLock { count in
            guard count < max else { return false }
            count += 1
            return true
        }
    }

    func leave() {
        count.withLock { $0 -= 1 }
    }
}
