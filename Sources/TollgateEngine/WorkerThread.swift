import Foundation

/// One computation on a dedicated OS thread, joined with ``wait()``.
///
/// A plain thread rather than a task: a verified replay is synchronous and CPU-bound, and the cooperative pool of
/// this 2-core machine has 2 threads, so work that would block one of them (a bounded queue's wait) must not run
/// there. Waiting on a `WorkerThread` blocks the caller's thread only, never the pool the worker needs.
final class WorkerThread<Value: Sendable>: @unchecked Sendable {
    private let condition = NSCondition()
    /// Guarded by `condition`.
    private var value: Value?

    init(name: String, _ body: @escaping @Sendable () -> Value) {
        let thread = Thread { [self] in
            let result = body()
            condition.lock()
            value = result
            condition.broadcast()
            condition.unlock()
        }
        thread.name = name
        thread.start()
    }

    /// Blocks until the work is done; returns its value (any number of times).
    func wait() -> Value {
        condition.lock()
        defer { condition.unlock() }
        while value == nil { condition.wait() }
        return value!
    }
}
