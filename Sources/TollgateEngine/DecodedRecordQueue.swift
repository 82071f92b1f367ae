import Foundation
import TollgateLog

/// ``DecodedRecords`` on a producer thread, ahead of the consuming verifier by at most ``chunkCountMax`` chunks
/// (read, LZ4, checksums, chain and body decoding on the second core while the first re-decides and folds).
///
/// The consumer sees exactly the sequence of chunks, and the same ``failure``, that ``DecodedRecords`` gives when
/// pulled directly: the queue only moves the work to another thread.
final class DecodedRecordQueue: @unchecked Sendable {
    /// Chunks decoded ahead; bounds the memory of the read-ahead (≤ 16 × 1,024 records).
    static let chunkCountMax = 16

    private let condition = NSCondition()
    /// Guarded by `condition`: full chunks in log order, the producer's end and failure, the consumer's stop.
    private var chunks: [[DecodedRecords.Item]] = []
    private var producerFinished = false
    /// The producer's source once it finished (its failure and accounting journal), guarded by `condition`.
    private var finishedSource: DecodedRecords?
    private var stopped = false

    init(directory: String, storage: any LogStorage, until bound: Projection.Bound) {
        let thread = Thread { [self] in
            produce(DecodedRecords(directory: directory, storage: storage, until: bound))
        }
        thread.name = "replay-read"
        thread.start()
    }

    deinit { assert(stopped || producerFinished, "stop() the queue before dropping it") }

    private func produce(_ initial: DecodedRecords) {
        var source = initial
        while true {
            let chunk = source.nextChunk()
            condition.lock()
            while chunks.count >= Self.chunkCountMax && !stopped { condition.wait() }
            if stopped {
                producerFinished = true
                condition.broadcast()
                condition.unlock()
                return
            }
            if !chunk.isEmpty { chunks.append(chunk) }
            if chunk.isEmpty {
                producerFinished = true
                finishedSource = source
            }
            assert(chunks.count <= Self.chunkCountMax)
            condition.broadcast()
            condition.unlock()
            if chunk.isEmpty { return }
        }
    }

    /// The next chunk in log order; empty at the end (then ``failure`` says whether the log was read to its end).
    func nextChunk() -> [DecodedRecords.Item] {
        condition.lock()
        defer { condition.unlock() }
        while chunks.isEmpty && !producerFinished { condition.wait() }
        guard !chunks.isEmpty else { return [] }
        let chunk = chunks.removeFirst()
        condition.broadcast()
        return chunk
    }

    /// The producer's source after the last chunk (why it stopped early, its accounting journal); call once
    /// ``nextChunk()`` returned empty.
    func finished() -> DecodedRecords {
        condition.lock()
        defer { condition.unlock() }
        precondition(producerFinished && chunks.isEmpty, "finished() before the last chunk was taken")
        return finishedSource!
    }

    /// Stops the producer (the consumer is done, possibly early) and waits for its thread to leave the queue.
    func stop() {
        condition.lock()
        defer { condition.unlock() }
        stopped = true
        condition.broadcast()
        while !producerFinished { condition.wait() }
    }
}
