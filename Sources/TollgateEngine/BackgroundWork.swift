import Foundation

/// One piece of work run on its own thread while the caller does something else (opening the engine: the newest
/// snapshot is decoded while `Log.open` scans the active segment; a verified replay: the log layer's own pass runs
/// beside the re-deciding one). A plain thread, not a task: the work is synchronous and CPU-bound, and this
/// machine's cooperative pool has 2 threads. `take()` blocks until the value is there: call it from a plain thread,
/// never from a task that must not block (the engine is opened by the CLI's command or before the service starts).
final class BackgroundWork<Value: Sendable>: @unchecked Sendable {
    private let condition = NSCondition()
    private var value: Value?
    private var done = false

    init(name: String, _ body: @escaping @Sendable () -> Value) {
        let thread = Thread { [self] in
            let result = body()
            condition.lock()
            value = result
            done = true
            condition.broadcast()
            condition.unlock()
        }
        thread.name = name
        thread.start()
    }

    /// The value, once the work is done. Call once: it is handed over, not kept (a kept copy of a decoded state
    /// would make the first change to the caller's copy duplicate its storage).
    func take() -> Value {
        condition.lock()
        defer { condition.unlock() }
        while !done { condition.wait() }
        precondition(value != nil, "BackgroundWork.take() called twice")
        defer { value = nil }
        return value!
    }
}
