import Foundation
import TollgateLog

/// The engine's committer thread: appends staged batches to the log strictly in the order they were handed over,
/// each as one durable append, while the deciding thread goes on deciding the next batch (``Engine/commitAsync()``).
///
/// Only one thread appends, so the log's order is the hand-over order. The first failed append fails the pipeline:
/// every batch handed over after it is dropped unwritten (it was decided on top of records that are not in the
/// log) and every later hand-over or wait throws the same error. The pipeline never touches the engine's state.
final class CommitPipeline: @unchecked Sendable {
    /// Batches handed over but not yet appended: bounds the memory and the work decided ahead of the disk.
    static let queuedBatchCountMax = 2

    private struct Batch {
        var records: [RecordInput]
        /// The seq after the batch's last record, as the engine numbered it.
        var endSeq: Int64
    }

    private let log: Log
    private let condition = NSCondition()
    // Under `condition`:
    private var queue: [Batch] = []
    /// Whether the committer is appending a batch it took off the queue.
    private var appending = false
    /// Every record below this seq is durable.
    private var durableEndSeq: Int64
    private var failure: EngineError?
    private var stopping = false
    private var stopped = false
    /// Where the log ended after each appended batch (by the batch's end seq), until the engine takes them: the
    /// audit sidecar posts each batch at its own position even when several became durable together.
    private var appendedEnds: [(endSeq: Int64, end: LogEnd)] = []
    private let notesEnds: Bool
    /// Emptied arrays of appended batches, handed back to the engine to stage into (capacity kept).
    private var spareRecordArrays: [[RecordInput]] = []

    /// The most appended ends kept for the engine (it takes them at every wait; a bound, not a working size).
    static let appendedEndCountMax = 4_096

    init(log: Log, durableEndSeq: Int64, notesEnds: Bool) {
        self.log = log
        self.notesEnds = notesEnds
        self.durableEndSeq = durableEndSeq
        queue.reserveCapacity(Self.queuedBatchCountMax)
        let thread = Thread { [self] in run() }
        thread.name = "tollgate-committer"
        thread.start()
    }

    /// Hands `records` (seqs up to `endSeq` − 1) to the committer; waits only while the queue is full.
    func submit(_ records: [RecordInput], endSeq: Int64) throws(EngineError) {
        precondition(!records.isEmpty)
        condition.lock()
        defer { condition.unlock() }
        while failure == nil, !stopping, queue.count + (appending ? 1 : 0) >= Self.queuedBatchCountMax {
            condition.wait()
        }
        if let failure { throw failure }
        precondition(!stopping, "submit after stop")
        assert(
            queue.last.map { $0.endSeq < endSeq } ?? (durableEndSeq < endSeq), "batches must be handed over in order")
        queue.append(Batch(records: records, endSeq: endSeq))
        condition.broadcast()
    }

    /// Waits until every record below `endSeq` is durable; throws the pipeline's failure instead if it failed
    /// before that (the records are then not known to be durable and must not be acknowledged).
    func waitDurable(endSeq: Int64) throws(EngineError) {
        condition.lock()
        defer { condition.unlock() }
        while failure == nil, durableEndSeq < endSeq { condition.wait() }
        if durableEndSeq >= endSeq { return }
        throw failure!
    }

    /// Whether every record below `endSeq` is durable, without waiting; throws the failure if the pipeline failed
    /// before that.
    func isDurable(endSeq: Int64) throws(EngineError) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        if durableEndSeq >= endSeq { return true }
        if let failure { throw failure }
        return false
    }

    /// The ends noted since the last call, oldest first (only when created with `notesEnds`).
    func takeAppendedEnds() -> [(endSeq: Int64, end: LogEnd)] {
        condition.lock()
        defer { condition.unlock() }
        defer { appendedEnds.removeAll(keepingCapacity: true) }
        return appendedEnds
    }

    /// An emptied records array with its capacity, if one is free (saves an allocation per batch).
    func takeSpareRecordArray() -> [RecordInput]? {
        condition.lock()
        defer { condition.unlock() }
        return spareRecordArrays.popLast()
    }

    /// Finishes the queued batches (or drops them after a failure) and ends the thread. Idempotent.
    func stop() {
        condition.lock()
        defer { condition.unlock() }
        stopping = true
        condition.broadcast()
        while !stopped { condition.wait() }
    }

    private func run() {
        condition.lock()
        while true {
            while queue.isEmpty, !stopping { condition.wait() }
            guard failure == nil, !queue.isEmpty else { break }
            var batch = queue.removeFirst()
            appending = true
            condition.unlock()
            var appendFailure: EngineError?
            var end: LogEnd?
            do {
                let firstSeq = try log.append(batch.records)
                precondition(
                    Int64(firstSeq) + Int64(batch.records.count) == batch.endSeq, "log and engine seqs diverged")
                if notesEnds { end = log.durableEnd }  // the only appender: the end of this batch
            } catch {
                appendFailure = EngineError(.failed, "append of \(batch.records.count) records failed: \(error)")
            }
            batch.records.removeAll(keepingCapacity: true)
            condition.lock()
            appending = false
            if let appendFailure {
                failure = appendFailure
                // Decided on top of the failed batch: never written, never acknowledged.
                queue.removeAll()
            } else {
                durableEndSeq = batch.endSeq
                if let end {
                    precondition(appendedEnds.count < Self.appendedEndCountMax, "appended ends not taken")
                    appendedEnds.append((batch.endSeq, end))
                }
                if spareRecordArrays.count < Self.queuedBatchCountMax { spareRecordArrays.append(batch.records) }
            }
            condition.broadcast()
        }
        queue.removeAll()
        stopped = true
        condition.broadcast()
        condition.unlock()
    }
}
