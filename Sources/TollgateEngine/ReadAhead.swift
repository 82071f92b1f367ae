import Foundation

/// A producer on its own thread handing chunks to one consumer in order, at most ``chunkCountMax`` ahead: the
/// log's records read, checked and decoded on the second core while the first folds or re-decides them
/// (``Projection/load(directory:billing:until:useSnapshots:progress:)`` and ``Replay`` on real files), and
/// `tollgate apply`'s input read and parsed ahead of the deciding thread.
///
/// A plain thread rather than a task: both sides block on the bound, and this machine's cooperative pool has only
/// 2 threads. The queue moves work to another thread and nothing else: the consumer gets exactly the chunks the
/// producer pushed, in the order pushed.
public final class ReadAhead<Chunk: Sendable>: @unchecked Sendable {
    /// Chunks pushed but not yet taken, at most; bounds the memory of the read-ahead.
    public let chunkCountMax: Int

    private let condition = NSCondition()
    /// Guarded by `condition`: chunks not yet taken, oldest first (`head` is the next to hand out).
    private var chunks: [Chunk?] = []
    private var head = 0
    /// Guarded by `condition`: the producer closure returned (nothing more will be pushed).
    private var producerDone = false
    /// Guarded by `condition`: the consumer is gone; `push` refuses and the producer should return.
    private var stopped = false
    /// Guarded by `condition`: the consumer waits in `next()` for a chunk; a push wakes it.
    private var consumerWaiting = false
    /// Guarded by `condition`: the producer waits in `push` for room; the consumer wakes it once the queue has
    /// drained to ``resumeChunkCount`` (not at every take).
    private var producerWaiting = false
    /// A full queue's producer resumes once this many chunks or fewer wait: it then pushes a burst of chunks
    /// instead of one chunk per wake-up. Waking each side only when it waits, and only with the lock released,
    /// cut a verified replay's context switches from ~4 to ~1 per chunk (docs/benchmarks.md, `verify-balance`).
    public let resumeChunkCount: Int

    /// Starts `produce` on a thread named `name`. It calls `push` for each chunk, in order; `push` blocks while
    /// `chunkCountMax` chunks wait and returns false once the consumer has stopped (then return at once).
    public init(name: String, chunkCountMax: Int, produce: @escaping @Sendable (_ push: (Chunk) -> Bool) -> Void) {
        precondition(chunkCountMax >= 1)
        self.chunkCountMax = chunkCountMax
        self.resumeChunkCount = chunkCountMax / 2
        let thread = Thread { [self] in
            produce(push)
            condition.lock()
            producerDone = true
            condition.broadcast()
            condition.unlock()
        }
        thread.name = name
        thread.start()
    }

    /// The next chunk in the order pushed, waiting for the producer if needed; nil once the producer returned and
    /// every chunk was taken.
    public func next() -> Chunk? {
        condition.lock()
        while head == chunks.count && !producerDone {
            consumerWaiting = true
            condition.wait()
        }
        consumerWaiting = false
        return takeThenUnlock()
    }

    /// The next chunk if one is waiting, without waiting (nil: none yet, or none ever again).
    public func nextIfReady() -> Chunk? {
        condition.lock()
        return takeThenUnlock()
    }

    /// Takes the next chunk (if any) with the lock held, releases the lock, then wakes the producer if it waits
    /// for room and the queue has drained to ``resumeChunkCount``: the woken thread does not find the lock taken.
    private func takeThenUnlock() -> Chunk? {
        guard head < chunks.count else {
            condition.unlock()
            return nil
        }
        let chunk = chunks[head]
        chunks[head] = nil  // Drop the chunk's storage with the consumer's copy.
        head += 1
        if head == chunks.count {
            chunks.removeAll(keepingCapacity: true)
            head = 0
        }
        let wake = producerWaiting && chunks.count - head <= resumeChunkCount
        if wake { producerWaiting = false }
        condition.unlock()
        if wake { condition.broadcast() }
        return chunk
    }

    /// Stops the producer (the consumer is done, possibly early) and waits until its thread has returned, so it
    /// no longer holds the log's files. Call once, from the consumer, always: a producer blocked on a full queue
    /// keeps its thread (and itself) alive until then.
    public func stop() {
        condition.lock()
        defer { condition.unlock() }
        stopped = true
        condition.broadcast()
        while !producerDone { condition.wait() }
        chunks.removeAll()
        head = 0
    }

    /// Stops the producer without waiting for its thread: for a producer that may be blocked outside the queue
    /// (in `read(2)` on a pipe) where only the process exiting ends it. Its next `push` returns false.
    public func cancel() {
        condition.lock()
        defer { condition.unlock() }
        stopped = true
        condition.broadcast()
        chunks.removeAll()
        head = 0
    }

    private func push(_ chunk: Chunk) -> Bool {
        condition.lock()
        // Waits for room; woken once the consumer has drained the queue to `resumeChunkCount` (or stopped).
        while chunks.count - head >= chunkCountMax && !stopped {
            producerWaiting = true
            condition.wait()
        }
        producerWaiting = false
        guard !stopped else {
            condition.unlock()
            return false
        }
        chunks.append(chunk)
        assert(chunks.count - head <= chunkCountMax)
        let wake = consumerWaiting
        if wake { consumerWaiting = false }
        condition.unlock()
        if wake { condition.broadcast() }
        return true
    }
}
