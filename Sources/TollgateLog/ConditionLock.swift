#if canImport(Glibc)
    import Glibc
#endif

/// A mutex with one condition variable (pthread), for the group-commit hand-off between appenders.
final class ConditionLock: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    init() {
        precondition(pthread_mutex_init(mutex, nil) == 0)
        precondition(pthread_cond_init(condition, nil) == 0)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
        condition.deallocate()
    }

    func lock() { precondition(pthread_mutex_lock(mutex) == 0) }
    func unlock() { precondition(pthread_mutex_unlock(mutex) == 0) }
    /// Call with the lock held.
    func wait() { precondition(pthread_cond_wait(condition, mutex) == 0) }
    /// Call with the lock held; returns after at most `milliseconds`.
    func wait(milliseconds: Int64) {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var deadline = timespec()
        let totalNs = Int64(now.tv_nsec) + (milliseconds % 1000) * 1_000_000
        deadline.tv_sec = now.tv_sec + Int(milliseconds / 1000) + Int(totalNs / 1_000_000_000)
        deadline.tv_nsec = Int(totalNs % 1_000_000_000)
        let result = pthread_cond_timedwait(condition, mutex, &deadline)
        precondition(result == 0 || result == ETIMEDOUT)
    }
    func broadcast() { precondition(pthread_cond_broadcast(condition) == 0) }

    func withLock<T>(_ body: () throws -> T) rethrows -> T {
        lock()
        defer { unlock() }
        return try body()
    }
}
