#if canImport(Glibc)
    import Glibc
#endif

/// Sealed segments' LZ4 blocks read, block-checksummed, decompressed and their batches checked on a thread of its
/// own, ahead of a ``LogReader`` that asked for it (docs/log-format.md, "Reading and verifying"): a verified
/// replay's reading thread then only iterates batches, and the scanning work (`pread`, CRC32C, LZ4, record
/// checks: about 40 % of that thread) runs on a core the other stages leave idle.
///
/// Nothing is trusted across the hand-off. The prefetching thread runs the same ``SegmentScanner`` code as any
/// reader, and what it hands over are answers keyed by their exact inputs: a block's bytes (or its `LogError`) by
/// segment, block index, file offset and raw size; a batch's check (or its problem) by its place in the block, its
/// size, the chain value and the time it was checked from. The reader compares each key with its own state and
/// does the work itself when one differs, so every check still happens, on the reader's own state, and every
/// error surfaces where and as it would without prefetching (same `LogError`, seq and offset). The prefetching
/// thread stops at its first error: the reader meets the same error there.
///
/// Bounded: at most ``blockCountMax`` block buffers exist, recycled (one held by the reader, one being filled, the
/// rest ready); no allocation per block once they exist.
final class SealedPrefetch: @unchecked Sendable {
    /// Buffers in circulation: up to 4 blocks (~64–220 KB of raw content each) ready ahead of the reader.
    static let blockCountMax = 6
    /// A prefetching thread stopped by a full ring resumes once this many buffers are free again: a burst of
    /// blocks per wake-up, not a context switch per block (the read-ahead's lesson, docs/benchmarks.md
    /// `verify-balance`).
    static let resumeFreeCountMin = blockCountMax / 2

    /// A batch checked by the prefetching thread: `BatchCodec.validate`'s answer for these inputs.
    struct BatchCheck {
        var startInBlock: Int
        var sizeBytes: Int
        var chainBefore: UInt64
        var previousTimeMs: Int64?
        var lastTimeMs: Int64
        var problem: BatchCodec.Problem?
    }

    /// One block of a sealed segment: its raw content, or the error loading it gave, and its batches' checks.
    struct Block {
        var segmentBaseSeq: UInt64 = 0
        var blockIndex = 0
        var fileOffset: UInt64 = 0
        var rawSizeBytes = 0
        var bytes: [UInt8] = []
        var failure: LogError?
        var checks: [BatchCheck] = []

        func matches(segmentBaseSeq: UInt64, blockIndex: Int, fileOffset: UInt64, rawSizeBytes: Int) -> Bool {
            self.segmentBaseSeq == segmentBaseSeq && self.blockIndex == blockIndex && self.fileOffset == fileOffset
                && self.rawSizeBytes == rawSizeBytes
        }
    }

    /// How a scanner takes part: filling blocks (the prefetching thread) or taking them (the reader).
    enum Role {
        case producer(SealedPrefetch)
        case consumer(SealedPrefetch)
    }

    /// The prefetching thread's buffer for compressed blocks, handed from one segment's scanner to the next (only
    /// that thread touches it).
    var producerCompressed: [UInt8] = []
    /// The size of a block buffer and of the compressed-block buffer: a usual block's ~64 KiB of content (a little
    /// more with its batch headers), or its LZ4 form even incompressible, with room to spare, so that a recycled
    /// buffer is not reallocated for a block a few bytes larger than the one it first held (a larger one grows it).
    static let bufferSizeBytesMin = LogLimits.sealBlockTargetSizeBytes + (8 << 10)

    private let lock = ConditionLock()
    /// Filled blocks in log order (at most ``blockCountMax``), `ready[readyHead...]`.
    private var ready: [Block] = []
    private var readyHead = 0
    private var free: [Block] = []
    private var allocatedCount = 0
    /// The prefetching thread has stopped (the segments ended, a failure, or ``stop()``).
    private var done = false
    private var stopping = false
    private var consumerWaits = false
    private var producerWaits = false

    init() {
        ready.reserveCapacity(Self.blockCountMax)
        free.reserveCapacity(Self.blockCountMax)
    }

    private var readyCount: Int { ready.count - readyHead }

    // MARK: the prefetching thread's side

    /// A block to fill: a recycled one, a new one while fewer than ``blockCountMax`` exist, or nil once stopped.
    func acquire() -> Block? {
        lock.lock()
        defer { lock.unlock() }
        var waitCount = 0
        while true {  // Bounded: each wait ends with a recycled block or a stop.
            if stopping { return nil }
            // Waiting, it takes a buffer only once enough are free (woken then, or stopped).
            if waitCount == 0 || free.count >= Self.resumeFreeCountMin, var block = free.popLast() {
                block.failure = nil
                block.checks.removeAll(keepingCapacity: true)
                return block
            }
            if allocatedCount < Self.blockCountMax, free.isEmpty {
                allocatedCount += 1
                return Block()
            }
            waitCount += 1
            producerWaits = true
            lock.wait()
            producerWaits = false
            assert(waitCount < Int.max)
        }
    }

    /// Hands a filled block (or one that failed to load) to the reader.
    func publish(_ block: Block) {
        lock.lock()
        defer { lock.unlock() }
        if readyHead == ready.count {
            ready.removeAll(keepingCapacity: true)
            readyHead = 0
        }
        ready.append(block)
        assert(readyCount <= Self.blockCountMax)
        if consumerWaits { lock.broadcast() }
    }

    /// The prefetching thread has nothing more to hand over.
    func finish() {
        lock.lock()
        defer { lock.unlock() }
        done = true
        if consumerWaits { lock.broadcast() }
    }

    // MARK: the reader's side

    /// The next block if it is the one named (waiting for it while the prefetching thread runs); nil when the next
    /// block is another one or none will come: the reader then loads the block itself.
    func take(segmentBaseSeq: UInt64, blockIndex: Int, fileOffset: UInt64, rawSizeBytes: Int) -> Block? {
        lock.lock()
        defer { lock.unlock() }
        while true {  // Bounded: each wait ends with a published block or the end of the prefetching.
            if readyCount > 0 {
                guard
                    ready[readyHead].matches(
                        segmentBaseSeq: segmentBaseSeq, blockIndex: blockIndex, fileOffset: fileOffset,
                        rawSizeBytes: rawSizeBytes)
                else { return nil }
                let block = ready[readyHead]
                ready[readyHead] = Block()
                readyHead += 1
                return block
            }
            if done || stopping { return nil }
            consumerWaits = true
            lock.wait()
            consumerWaits = false
        }
    }

    /// Gives a block back once the reader has moved past it.
    func recycle(_ block: Block) {
        lock.lock()
        defer { lock.unlock() }
        guard free.count < Self.blockCountMax else { return }
        free.append(block)
        if producerWaits, free.count >= Self.resumeFreeCountMin { lock.broadcast() }
    }

    /// Asks the prefetching thread to stop at its next block (it may finish the one it is filling).
    func stop() {
        lock.lock()
        defer { lock.unlock() }
        stopping = true
        lock.broadcast()
    }

    // MARK: the thread

    /// The prefetching thread has been joined (tests check that releasing a reader joins its thread).
    var hasJoinedThread: Bool { lock.withLock { joined } }
    private var joined = false

    /// The prefetching thread of one reader: started at init, stopped and joined when the last copy of the reader
    /// lets go of it.
    final class Runner {
        let prefetch = SealedPrefetch()
        private var thread = pthread_t()
        /// False when no thread could be started (`pthread_create` failed, e.g. a process at its thread limit): the
        /// prefetch is then finished from the start and the reader loads every block itself, as a plain reader.
        private var started = false

        /// Prefetches the blocks of the sealed segments among `entries`, in order, from their first block.
        init(storage: any LogStorage, directory: String, entries: [SegmentListing.Entry]) {
            let context = Unmanaged.passRetained(
                Context(prefetch: prefetch, storage: storage, directory: directory, entries: entries)
            ).toOpaque()
            let result = pthread_create(
                &thread, nil,
                { raw in
                    let context = Unmanaged<Context>.fromOpaque(raw!).takeRetainedValue()
                    context.run()
                    return nil
                }, context)
            if result == 0 {
                started = true
            } else {
                Unmanaged<Context>.fromOpaque(context).release()
                prefetch.finish()
            }
        }

        deinit {
            prefetch.stop()
            if started { precondition(pthread_join(thread, nil) == 0) }
            prefetch.lock.withLock { prefetch.joined = true }
        }
    }

    private final class Context {
        let prefetch: SealedPrefetch
        let storage: any LogStorage
        let directory: String
        let entries: [SegmentListing.Entry]

        init(prefetch: SealedPrefetch, storage: any LogStorage, directory: String, entries: [SegmentListing.Entry]) {
            self.prefetch = prefetch
            self.storage = storage
            self.directory = directory
            self.entries = entries
        }

        /// Scans each sealed segment whole as any reader would, its blocks going to the reader; stops at the first
        /// error (the reader meets the same one) or when stopped.
        func run() {
            defer { prefetch.finish() }
            for entry in entries where entry.isSealed {  // Bounded by the listing.
                do throws(LogError) {
                    let scanner = try SegmentScanner(
                        storage: storage, directory: directory, name: entry.name, prefetch: .producer(prefetch))
                    defer { scanner.publishProducedBlock() }
                    var batchCount = 0
                    while try scanner.nextBatch() != nil {  // Bounded by the segment's batches.
                        batchCount += 1
                        assert(batchCount < Int.max)
                    }
                } catch {
                    return
                }
            }
        }
    }
}
