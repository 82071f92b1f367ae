import Foundation
import TollgateBilling

/// Serves concurrent callers (HTTP handlers) through the single-writer ``Engine`` with group commit.
///
/// Callers `submit` commands from any task; one writer thread takes everything queued, decides it in arrival
/// order, makes it durable with one append, and only then resumes each caller with its result. Under load many
/// requests share one `fdatasync`; when idle a request is committed alone, at once.
///
/// Reads never see a decision before it is durable, and do not wait for an `fdatasync` that cannot change what
/// they read: while a batch is being synced, a read about a user the batch did not touch (and only when the
/// batch changed no flag or plan) proceeds on the state, which then equals the last committed one for that user.
/// Other reads wait for the commit.
///
/// Dropping the service without ``shutdown()`` is safe: it shuts down (finishes what is queued, closes the log).
public final class EngineService: @unchecked Sendable {
    /// Bounds the queue so a flood of requests cannot grow memory without limit; excess callers get an error.
    public static let pendingCommandCountMax = 65_536

    /// Everything the writer thread uses. The thread holds the core, never the service, so the service can go away
    /// while the thread runs (an `unowned` service reference here trapped when it did).
    private let core: Core

    public init(engine: Engine) {
        core = Core(engine: engine)
        let thread = Thread { [core] in core.runWriter() }
        thread.name = "tollgate-writer"
        thread.start()
    }

    deinit {
        try? core.shutdown()
    }

    /// Decides `command` in order with every other submitted command; returns once its record is durable.
    ///
    /// A thin wrapper over ``submit(_:completion:)``: the same queue, order, durability and refusals.
    public func submit(_ command: Command) async throws -> JSONValue {
        try await withUnsafeThrowingContinuation { continuation in
            core.submit(command) { result in continuation.resume(with: result) }
        }
    }

    /// What a caller is handed once its command is decided and durable (or refused).
    public typealias Completion = @Sendable (Result<JSONValue, any Error>) -> Void

    /// Decides `command` in order with every other submitted command and calls `completion` exactly once: on the
    /// writer thread after the batch holding its record is durable (`.success` with the result, whatever the
    /// decision), or with `.failure` when the append failed; or at once, on the caller's thread, when the command
    /// is refused before queueing (the log has failed, the engine is shutting down, the queue is full).
    ///
    /// For callers that are not Swift tasks (the HTTP fast path on NIO's event loops): no continuation, no hop
    /// through the cooperative pool. `completion` runs on the writer thread, so it must be cheap and must not
    /// block or call back into the service: hand the result to the caller's own thread and return.
    public func submit(_ command: Command, completion: @escaping Completion) {
        core.submit(command, completion: completion)
    }

    /// Reads the committed state as a whole (settings, policy, anything global): waits while a batch is being
    /// made durable.
    public func read<T>(_ body: (State) throws -> T) rethrows -> T {
        try core.read(userID: nil, body)
    }

    /// Reads what concerns `userID` (and global settings) from the committed state; waits for an in-flight batch
    /// only if that batch touched this user or changed a flag or plan.
    public func read<T>(userID: String, _ body: (State) throws -> T) rethrows -> T {
        try core.read(userID: userID, body)
    }

    /// nil while appends work; the failure once the log has failed (reads keep working, writes are refused).
    public var failed: EngineError? { core.failed }

    /// One group commit, for metrics.
    public struct CommitSample: Sendable {
        /// Commands decided in the batch (rejected and invalid ones included).
        public var commandCount: Int
        /// Records appended (one `Log.append`, or more when a large batch committed early).
        public var recordCount: Int
        /// The final append: write plus `fdatasync` under group commit.
        public var appendDuration: Duration
    }

    /// Calls `observer` on the writer thread after each batch that appended records (keep it cheap). Set it
    /// before traffic starts; a later call replaces it.
    public func observeCommits(_ observer: @escaping @Sendable (CommitSample) -> Void) {
        core.observe(observer)
    }

    /// Stops taking commands, finishes everything queued, makes it durable and closes the log. Idempotent.
    public func shutdown() throws {
        try core.shutdown()
    }
}

extension EngineService {
    /// What a batch being synced has changed but not yet made durable.
    struct InFlight {
        var userIDs: Set<String> = []
        /// A record without a user (flags, plans) or a batch too large to track user by user.
        var global = false
        /// Tracking more users than this is not worth it: the batch counts as global.
        static let userCountMax = 4_096

        mutating func note(_ record: LedgerRecord) {
            guard !global else { return }
            guard let userID = record.userID, userIDs.count < Self.userCountMax else {
                global = true
                userIDs = []
                return
            }
            userIDs.insert(userID)
        }

        func blocks(userID: String?) -> Bool {
            guard let userID else { return true }
            return global || userIDs.contains(userID)
        }
    }

    final class Core: @unchecked Sendable {
        private struct Pending {
            var command: Command
            /// Called exactly once by the writer (below). The async `submit` resumes an unsafe continuation from
            /// it: the checked kind allocates a tracking object per command on the hot path.
            var completion: EngineService.Completion
        }

        private let engine: Engine
        /// Guards the queue and the flags; never held during a decision or an fsync.
        private let condition = NSCondition()
        /// Guards `engine.state` and `inFlight`: held by the writer while it decides (not while it syncs) and by
        /// readers; readers wait on it for an in-flight batch that concerns them.
        private let stateCondition = NSCondition()
        private var queue: [Pending] = []
        private var stopping = false
        private var stopped = false
        private var closed = false
        private var failure: EngineError?
        /// Under `stateCondition`: the batch decided into `engine.state` whose append has not returned yet.
        private var inFlight: InFlight?
        /// Under `condition`.
        private var observer: (@Sendable (CommitSample) -> Void)?

        init(engine: Engine) {
            self.engine = engine
        }

        func submit(_ command: Command, completion: @escaping EngineService.Completion) {
            condition.lock()
            let refusal: EngineError?
            if let failure {
                refusal = failure
            } else if stopping {
                refusal = EngineError(.failed, "the engine is shutting down")
            } else if queue.count >= EngineService.pendingCommandCountMax {
                refusal = EngineError(.failed, "too many commands pending")
            } else {
                refusal = nil
                queue.append(Pending(command: command, completion: completion))
                condition.signal()
            }
            condition.unlock()
            // Outside the lock: a completion may submit again.
            if let refusal { completion(.failure(refusal)) }
        }

        func read<T>(userID: String?, _ body: (State) throws -> T) rethrows -> T {
            stateCondition.lock()
            defer { stateCondition.unlock() }
            while let inFlight, inFlight.blocks(userID: userID) { stateCondition.wait() }
            return try body(engine.state)
        }

        func observe(_ observer: @escaping @Sendable (CommitSample) -> Void) {
            condition.lock()
            defer { condition.unlock() }
            self.observer = observer
        }

        var failed: EngineError? {
            condition.lock()
            defer { condition.unlock() }
            return failure
        }

        func shutdown() throws {
            condition.lock()
            stopping = true
            condition.broadcast()
            while !stopped { condition.wait() }
            let alreadyClosed = closed
            closed = true
            condition.unlock()
            if alreadyClosed { return }
            stateCondition.lock()
            defer { stateCondition.unlock() }
            try engine.close()
        }

        func runWriter() {
            var batch: [Pending] = []
            var results: [Result<JSONValue, any Error>] = []
            condition.lock()
            while true {
                while queue.isEmpty && !stopping { condition.wait() }
                if queue.isEmpty && stopping { break }
                swap(&batch, &queue)
                let observer = self.observer
                condition.unlock()
                // Callers keep queueing while this batch is decided and made durable; they form the next batch.
                stateCondition.lock()
                results.removeAll(keepingCapacity: true)
                var touched = InFlight()
                let seqBefore = engine.nextSeq
                for pending in batch {
                    do {
                        let decision = try engine.stage(pending.command)
                        for record in decision.records { touched.note(record) }
                        results.append(.success(decision.result))
                    } catch {
                        results.append(.failure(error))
                    }
                }
                // The state now holds decisions that are not durable: readers they concern wait until the append
                // returns; the others go on while it syncs (the writer does not change the state meanwhile).
                inFlight = touched
                stateCondition.unlock()
                var commitFailure: (any Error)?
                let appendStart = ContinuousClock.now
                do {
                    try engine.commit()
                    let recordCount = Int(engine.nextSeq - seqBefore)
                    if let observer, recordCount > 0 {
                        observer(
                            CommitSample(
                                commandCount: batch.count, recordCount: recordCount,
                                appendDuration: ContinuousClock.now - appendStart))
                    }
                } catch {
                    commitFailure = error
                    for index in results.indices { results[index] = .failure(error) }
                }
                stateCondition.lock()
                inFlight = nil
                stateCondition.broadcast()
                stateCondition.unlock()
                assert(results.count == batch.count, "one result per command of the batch")
                for (pending, result) in zip(batch, results) {
                    pending.completion(result)
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
}
