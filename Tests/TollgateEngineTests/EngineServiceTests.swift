import Foundation
import Testing
import TollgateBilling
import TollgateEngine
import TollgateLog

private func grant(_ userID: String, _ millicredits: Int64) -> Command {
    .grant(.init(userID: userID, amount: Millicredits(rawValue: millicredits), initiatedBy: "test"))
}

private func groupCommitConfiguration(_ directory: TemporaryDirectory) -> EngineConfiguration {
    EngineConfiguration(
        directory: directory.path, log: LogConfiguration(durability: .groupCommit),
        billing: BillingConfiguration(creditEnforcementEnabled: false))
}

/// Waits for `semaphore` on a Dispatch thread: a blocking wait on a cooperative thread could starve the task
/// that is to signal it (the pool has one thread per core: two on CI).
private func wait(_ semaphore: DispatchSemaphore, timeoutSeconds: Int? = nil) async -> Bool {
    await withCheckedContinuation { continuation in
        DispatchQueue.global().async {
            if let timeoutSeconds {
                continuation.resume(returning: semaphore.wait(timeout: .now() + .seconds(timeoutSeconds)) == .success)
            } else {
                semaphore.wait()
                continuation.resume(returning: true)
            }
        }
    }
}

/// Issue 6 leftovers: reads during a group commit, and a service dropped without `shutdown()`.
@Suite struct EngineServiceTests {
    /// While a batch for bob waits for its fdatasync, a read about alice returns at once (the state for her is
    /// the committed one); a read about bob waits and then sees bob's grant, which is durable by then.
    @Test func readsOfOtherUsersDoNotWaitForAGroupCommit() async throws {
        let directory = TemporaryDirectory()
        let storage = ScriptedSyncStorage()
        let engine = try Engine(configuration: groupCommitConfiguration(directory), clock: fixedClock, storage: storage)
        let service = EngineService(engine: engine)
        _ = try await service.submit(grant("alice", 5_000))

        storage.holdNextSync()
        let bobGrant = Task { try await service.submit(grant("bob", 7_000)) }
        _ = await wait(storage.syncStarted)  // bob's batch is decided and its fdatasync is held

        let aliceRead = DispatchSemaphore(value: 0)
        let aliceBalance = Locked<Millicredits?>(nil)
        Thread {
            aliceBalance.set(service.read(userID: "alice") { $0.balance(userID: "alice") })
            aliceRead.signal()
        }.start()
        let bobBalance = Locked<Millicredits?>(nil)
        let bobRead = DispatchSemaphore(value: 0)
        Thread {
            bobBalance.set(service.read(userID: "bob") { $0.balance(userID: "bob") })
            bobRead.signal()
        }.start()

        // Bounded only so that a regression fails instead of hanging the suite (it used to block for the sync).
        let aliceAnswered = await wait(aliceRead, timeoutSeconds: 30)
        #expect(aliceAnswered, "a read of another user waited for the group commit")
        #expect(aliceBalance.get() == Millicredits(rawValue: 5_000))
        #expect(bobBalance.get() == nil, "bob's balance was shown before his grant was durable")

        storage.release.signal()
        _ = try await bobGrant.value
        _ = await wait(bobRead)
        #expect(bobBalance.get() == Millicredits(rawValue: 7_000))
        try service.shutdown()
    }

    /// A global read (settings) waits for an in-flight batch: it cannot tell what the batch changed.
    @Test func globalReadsStillWaitForTheCommit() async throws {
        let directory = TemporaryDirectory()
        let storage = ScriptedSyncStorage()
        let engine = try Engine(configuration: groupCommitConfiguration(directory), clock: fixedClock, storage: storage)
        let service = EngineService(engine: engine)
        storage.holdNextSync()
        let bobGrant = Task { try await service.submit(grant("bob", 7_000)) }
        _ = await wait(storage.syncStarted)
        let read = Locked<Int64?>(nil)
        let done = DispatchSemaphore(value: 0)
        Thread {
            read.set(service.read { $0.recordCount })
            done.signal()
        }.start()
        #expect(read.get() == nil)
        storage.release.signal()
        _ = try await bobGrant.value
        _ = await wait(done)
        #expect(read.get() == 1)
        try service.shutdown()
    }

    /// Dropping the service without `shutdown()` neither traps nor leaks the writer: what was acknowledged is
    /// durable and the log is closed (its lock released), so the directory opens again.
    @Test func droppingTheServiceWithoutShutdownClosesTheLog() async throws {
        let directory = TemporaryDirectory()
        for round in 0..<3 {
            var service: EngineService? = EngineService(
                engine: try Engine(configuration: groupCommitConfiguration(directory), clock: fixedClock))
            _ = try await service!.submit(grant("carol", 1_000))
            service = nil
            #expect(service == nil)
            let engine = try Engine(configuration: groupCommitConfiguration(directory), clock: fixedClock)
            #expect(engine.state.balance(userID: "carol") == Millicredits(rawValue: 1_000 * Int64(round + 1)))
            try engine.close()
        }
        // Created and dropped at once, before the writer thread has started running.
        for _ in 0..<20 {
            _ = EngineService(engine: try Engine(configuration: groupCommitConfiguration(directory), clock: fixedClock))
        }
        let engine = try Engine(configuration: groupCommitConfiguration(directory), clock: fixedClock)
        #expect(engine.nextSeq == 4)
        try engine.close()
    }
}

/// The callback flavour of `submit` (the HTTP fast path's): called once per command, in submission order, only
/// after the batch is durable; refused commands are answered at once.
@Suite struct EngineServiceCompletionTests {
    @Test func completionsComeAfterTheSyncInSubmissionOrder() async throws {
        let directory = TemporaryDirectory()
        let storage = ScriptedSyncStorage()
        let engine = try Engine(configuration: groupCommitConfiguration(directory), clock: fixedClock, storage: storage)
        let service = EngineService(engine: engine)
        let results = Locked<[String]>([])
        let allDone = DispatchSemaphore(value: 0)
        storage.holdNextSync()
        let commandCount = 5
        for index in 0..<commandCount {
            service.submit(grant("user\(index)", 1_000)) { result in
                var seen = results.get()
                switch result {
                case .success(let value): seen.append("\(index):\(value["seq"]?.rendered ?? "?")")
                case .failure(let error): seen.append("\(index):\(error)")
                }
                results.set(seen)
                if seen.count == commandCount { allDone.signal() }
            }
        }
        _ = await wait(storage.syncStarted)
        #expect(results.get().isEmpty, "a completion ran before its batch was durable")
        storage.release.signal()
        let answered = await wait(allDone, timeoutSeconds: 30)
        #expect(answered)
        // One writer thread calls completions in order; seq follows submission order.
        let seen = results.get()
        #expect(seen.map { $0.split(separator: ":")[0] } == (0..<commandCount).map { Substring("\($0)") })
        let seqs = seen.compactMap { Int($0.split(separator: ":")[1]) }
        #expect(seqs.count == commandCount && seqs == seqs.sorted())
        try service.shutdown()
        for index in 0..<commandCount {
            let reopened = try Engine(configuration: groupCommitConfiguration(directory), clock: fixedClock)
            #expect(reopened.state.balance(userID: "user\(index)") == Millicredits(rawValue: 1_000))
            try reopened.close()
        }
    }

    @Test func aCommandAfterShutdownIsRefusedAtOnce() async throws {
        let directory = TemporaryDirectory()
        let service = EngineService(
            engine: try Engine(configuration: groupCommitConfiguration(directory), clock: fixedClock))
        try service.shutdown()
        let outcome = Locked<String?>(nil)
        service.submit(grant("dave", 1_000)) { result in
            if case .failure(let error) = result { outcome.set("\(error)") } else { outcome.set("applied") }
        }
        // Refusals are answered on the caller's thread, before submit returns.
        #expect(outcome.get()?.contains("shutting down") == true)
        await #expect(throws: EngineError.self) { try await service.submit(grant("dave", 1_000)) }
    }
}

/// A value shared with a helper thread.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value
    init(_ value: Value) { self.value = value }
    func get() -> Value { lock.withLock { value } }
    func set(_ newValue: Value) { lock.withLock { value = newValue } }
}
