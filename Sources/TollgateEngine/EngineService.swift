import Foundation
import TollgateBilling

/// Serves concurrent callers (HTTP handlers) through the single-writer ``Engine`` with group commit.
///
/// Callers `submit` commands from any task; one writer thread takes everything queued, decides it in arrival
/// order, makes it durable with one append, and only then resumes each caller with its result. Under load many
/// requests share one `fdatasync`; when idle a request is committed alone, at once.
public final class EngineService: @unchecked Sendable {
    private struct Pending {
        var command: Command
        var continuation: CheckedContinuation<JSONValue, any Error>
    }

    /// Bounds the queue so a flood of requests cannot grow memory without limit; excess callers get an error.
    public static let pendingCommandCountMax = 65_536

    private let engine: Engine
    /// Guards the queue and the flags; never held during a decision or an fsync.
    private let condition = NSCondition()
    /// Held by the writer while it decides and commits a batch, and by readers.
    private let stateLock = NSLock()
    private var queue: [Pending] = []
    private var stopping = false
    private var stopped = false
    private var failure: EngineError?
    private var writer: Thread?

    public init(engine: Engine) {
        self.engine = engine
        let thread = Thread { [unowned self] in self.runWriter() }
        thread.name = "tollgate-writer"
        writer = thread
        thread.start()
    }

    /// Decides `command` in order with every other submitted command; returns once its record is durable.
    public func submit(_ command: Command) async throws -> JSONValue {
        try await withCheckedThrowingContinuation { continuation in
            condition.lock()
            defer { condition.unlock() }
            if let failure {
                continuation.resume(throwing: failure)
                return
            }
            if stopping {
                continuation.resume(throwing: EngineError(.failed, "the engine is shutting down"))
                return
            }
            if queue.count >= Self.pendingCommandCountMax {
                continuation.resume(throwing: EngineError(.failed, "too many commands pending"))
                return
            }
            queue.append(Pending(command: command, continuation: continuation))
            condition.signal()
        }
    }

    /// Reads the current state under the writer's lock (a consistent view between batches).
    public func read<T>(_ body: (State) throws -> T) rethrows -> T {
        stateLock.lock()
        defer { stateLock.unlock() }
        return try body(engine.state)
    }

    /// nil while appends work; the failure once the log has failed (reads keep working, writes are refused).
    public var failed: EngineError? {
        condition.lock()
        defer { condition.unlock() }
        return failure
    }

    /// Stops taking commands, finishes everything queued, makes it durable and closes the log.
    public func shutdown() throws {
        condition.lock()
        stopping = true
        condition.broadcast()
        while !stopped { condition.wait() }
        condition.unlock()
        stateLock.lock()
        defer { stateLock.unlock() }
        try engine.close()
    }

    private func runWriter() {
        var batch: [Pending] = []
        var results: [Result<JSONValue, any Error>] = []
        condition.lock()
        while true {
            while queue.isEmpty && !stopping { condition.wait() }
            if queue.isEmpty && stopping { break }
            swap(&batch, &queue)
            condition.unlock()
            // Callers keep queueing while this batch is decided and made durable; they form the next batch.
            stateLock.lock()
            results.removeAll(keepingCapacity: true)
            for pending in batch {
                do {
                    results.append(.success(try engine.decideAndStage(pending.command)))
                } catch {
                    results.append(.failure(error))
                }
            }
            var commitFailure: (any Error)?
            do {
                try engine.commit()
            } catch {
                commitFailure = error
                for index in results.indices { results[index] = .failure(error) }
            }
            stateLock.unlock()
            for (pending, result) in zip(batch, results) {
                pending.continuation.resume(with: result)
            }
            batch.removeAll(keepingCapacity: true)
            condition.lock()
            if let commitFailure = commitFailure as? EngineError { failure = commitFailure }
        }
        stopped = true
        condition.broadcast()
        condition.unlock()
    }
}
