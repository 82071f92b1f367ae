import CLZ4

/// Reads one segment (raw `.log` or sealed `.log.lz4`) batch by batch through a bounded window, checking
/// everything it passes: headers, record checksums, seq contiguity, times, the hash chain and, for sealed
/// segments, the frame structure, block index and footer. Kafka's `LogSegment` read path, in one type.
final class SegmentScanner {
    enum End: Equatable {
        /// After the last batch: the end of the file, or (raw segments) a batch boundary where every byte to the
        /// end of the file is zero — the preallocated tail (`rawOffset` is then where the records end).
        case clean
        /// The raw segment ends in a partial batch starting at `offset`: the file ends inside it, or a write into
        /// zeros was cut short (every byte from inside it to the end of the file is zero).
        case torn(offset: UInt64, sizeBytes: UInt64, reason: String)
    }

    let storage: any LogStorage
    let name: String
    let kind: SegmentName.Kind
    let baseSeq: UInt64
    let file: FileID
    let fileSizeBytes: UInt64
    private(set) var layout: SealedLayout?
    /// nil only when a raw segment's header itself is torn (`end` is then `.torn(offset: 0, …)`).
    private(set) var header: SegmentHeader?

    /// Position after the last batch that passed every check.
    private(set) var nextSeq: UInt64
    private(set) var chain: UInt64
    private(set) var lastTimeMs: Int64?
    /// Raw-content offset of the next batch (for a raw segment also its file offset).
    private(set) var rawOffset: UInt64
    /// Chain value before the batch last returned by `nextBatch`.
    private(set) var chainBeforeCurrentBatch: UInt64 = 0
    private(set) var end: End?

    /// How much a raw read fetches at once: large for scans, small for a reader positioned at one batch.
    private var readWindowSizeBytes = LogLimits.readWindowSizeBytes
    private var window: [UInt8] = []
    private var windowRawOffset: UInt64 = 0
    private var windowCount = 0
    private var windowFileOffset: UInt64 = 0
    private var compressed: [UInt8] = []
    private var blockCursor = 0

    private var batch: BatchHeader?
    private var recordIndex = 0
    private var recordOffsetInWindow = 0
    /// Where the current batch ends in the window.
    private var batchEndInWindow = 0

    /// Taking part in a reader's prefetching of sealed blocks (``SealedPrefetch``), or nil.
    private let prefetch: SealedPrefetch.Role?
    /// The prefetched block whose bytes are the window (producer: being filled; consumer: being read), its
    /// `bytes` moved into `window` meanwhile.
    private var prefetchBlock: SealedPrefetch.Block?
    /// The consumer's next unused batch check in `prefetchBlock`.
    private var prefetchCheckIndex = 0
    /// The producer's largest block of this segment (raw content), once a buffer had to grow.
    private var largestBlockRawSizeBytes = 0

    init(
        storage: any LogStorage, directory: String, name: String,
        readWindowSizeBytes: Int = LogLimits.readWindowSizeBytes, prefetch: SealedPrefetch.Role? = nil
    ) throws(LogError) {
        guard let parsed = SegmentName.parse(name), parsed.kind == .raw || parsed.kind == .sealed else {
            throw LogError(.invalidArgument, "not a segment file name: \(name)", file: name)
        }
        self.storage = storage
        self.name = name
        self.kind = parsed.kind
        self.baseSeq = parsed.baseSeq
        do { file = try storage.open(directory + "/" + name, .readOnly) } catch {
            throw LogError.from(error, "open segment", file: name)
        }
        do { fileSizeBytes = try storage.sizeBytes(file) } catch {
            storage.close(file)
            throw LogError.from(error, "stat segment", file: name)
        }
        nextSeq = baseSeq
        chain = 0
        rawOffset = UInt64(SegmentHeader.sizeBytes)
        precondition(readWindowSizeBytes >= BatchHeader.sizeBytes)
        self.readWindowSizeBytes = readWindowSizeBytes
        self.prefetch = parsed.kind == .sealed ? prefetch : nil
        // From here on a throw runs deinit, which closes the file.
        try start()
    }

    deinit {
        switch prefetch {
        case .consumer(let shared):
            if var block = prefetchBlock {
                block.bytes = window
                shared.recycle(block)
            }
        case .producer(let shared): swap(&compressed, &shared.producerCompressed)
        case nil: break
        }
        storage.close(file)
    }

    /// Opens a listed segment; when a raw one vanished between listing and opening (a concurrent writer sealed
    /// it), opens its sealed successor instead.
    static func open(
        storage: any LogStorage, directory: String, entry: SegmentListing.Entry, prefetch: SealedPrefetch? = nil
    ) throws(LogError) -> SegmentScanner {
        do {
            return try SegmentScanner(
                storage: storage, directory: directory, name: entry.name, prefetch: prefetch.map { .consumer($0) })
        } catch {
            guard !entry.isSealed, error.errno == 2 else { throw error }
            return try SegmentScanner(storage: storage, directory: directory, name: SegmentName.sealed(entry.baseSeq))
        }
    }

    private func corrupt(_ detail: String, fileOffset: UInt64, seq: UInt64?) -> LogError {
        LogError(.corruptRecord, "\(name): \(detail)", file: name, offset: fileOffset, seq: seq)
    }

    private func fileOffset(ofRaw offset: UInt64) -> UInt64 { kind == .raw ? offset : windowFileOffset }

    private func start() throws(LogError) {
        switch kind {
        case .raw:
            let available = try ensureRawWindow(at: 0, count: SegmentHeader.sizeBytes)
            if available < SegmentHeader.sizeBytes {
                end = .torn(offset: 0, sizeBytes: fileSizeBytes, reason: "partial segment header")
                return
            }
            let decoded = window.withUnsafeBytes { SegmentHeader.decode($0.slice(0, SegmentHeader.sizeBytes)) }
            switch decoded {
            case .success(let value): header = value
            case .failure(.short): preconditionFailure()
            case .failure(.bad(let detail)):
                if try restIsZero(from: 0) {
                    end = .torn(offset: 0, sizeBytes: fileSizeBytes, reason: "zero-filled segment header")
                    return
                }
                throw corrupt(detail, fileOffset: 0, seq: baseSeq)
            }
        case .sealed:
            let layout = try SealedLayout.load(storage: storage, file: file, name: name)
            self.layout = layout
            try loadBlock(0)
            guard windowCount >= SegmentHeader.sizeBytes else {
                throw corrupt("first block shorter than the segment header", fileOffset: windowFileOffset, seq: baseSeq)
            }
            switch window.withUnsafeBytes({ SegmentHeader.decode($0.slice(0, SegmentHeader.sizeBytes)) }) {
            case .success(let value): header = value
            case .failure(.short): preconditionFailure()
            case .failure(.bad(let detail)): throw corrupt(detail, fileOffset: windowFileOffset, seq: baseSeq)
            }
            guard header!.previousChain == layout.footer.previousChain, layout.footer.baseSeq == baseSeq else {
                throw corrupt("segment header and footer disagree", fileOffset: windowFileOffset, seq: baseSeq)
            }
        case .sealing, .recovering: preconditionFailure()
        }
        guard header!.baseSeq == baseSeq else {
            throw corrupt(
                "header base seq \(header!.baseSeq) does not match the file name", fileOffset: 0, seq: baseSeq)
        }
        chain = header!.previousChain
    }

    /// Ensures the window holds `count` bytes at raw `offset` when the file has them; returns how many it holds.
    private func ensureRawWindow(at offset: UInt64, count: Int) throws(LogError) -> Int {
        assert(kind == .raw)
        let windowEnd = windowRawOffset + UInt64(windowCount)
        if offset >= windowRawOffset, offset + UInt64(count) <= windowEnd { return Int(windowEnd - offset) }
        if offset >= fileSizeBytes { return 0 }
        let remaining = fileSizeBytes - offset
        let wanted = Int(min(remaining, UInt64(max(count, min(readWindowSizeBytes, Int(remaining))))))
        // Up to 8 MiB, written by the read below: on huge pages, ~4 page faults instead of ~2,000 (docs/log-format.md).
        if window.count < wanted { window = HugePages.zeroedBytes(count: wanted) }
        let got: Int
        do {
            got = try storage.read(file, into: &window, count: wanted, at: offset)
        } catch { throw LogError.from(error, "read segment", file: name) }
        windowRawOffset = offset
        windowCount = got
        windowFileOffset = offset
        return got
    }

    private func restIsZero(from offset: UInt64) throws(LogError) -> Bool {
        try nonZeroEnd(from: offset, stopAtFirst: true) == offset
    }

    /// The offset just after the last non-zero byte in `offset..<fileSizeBytes` (`offset` when all are zero);
    /// with `stopAtFirst`, any offset past `offset` as soon as one non-zero byte is found. Reads the file in
    /// bounded chunks (the zeros after the records are at most one preallocation step on a log this code wrote).
    private func nonZeroEnd(from offset: UInt64, stopAtFirst: Bool = false) throws(LogError) -> UInt64 {
        var position = offset
        var end = offset
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        let chunkCountMax = (fileSizeBytes - min(offset, fileSizeBytes)) / UInt64(chunk.count) + 1
        var chunkCount: UInt64 = 0
        while position < fileSizeBytes {
            chunkCount += 1
            precondition(chunkCount <= chunkCountMax + 1, "zero scan past the end of the file")
            let got: Int
            do {
                got = try storage.read(file, into: &chunk, count: chunk.count, at: position)
            } catch { throw LogError.from(error, "read segment", file: name) }
            if got == 0 { break }
            if let last = chunk.withUnsafeBytes({ Self.lastNonZeroIndex($0.slice(0, got)) }) {
                end = position + UInt64(last) + 1
                if stopAtFirst { return end }
            }
            position += UInt64(got)
        }
        return end
    }

    /// Index of the last non-zero byte, nil when all are zero; eight bytes at a time.
    private static func lastNonZeroIndex(_ bytes: UnsafeRawBufferPointer) -> Int? {
        var index = bytes.count
        while index >= 8 {
            if bytes.loadUnaligned(fromByteOffset: index - 8, as: UInt64.self) != 0 { break }
            index -= 8
        }
        while index > 0 {
            if bytes[index - 1] != 0 { return index - 1 }
            index -= 1
        }
        return nil
    }

    private func loadBlock(_ blockIndex: Int) throws(LogError) {
        switch prefetch {
        case nil: try loadBlockHere(blockIndex)
        case .producer(let shared): try produceBlock(blockIndex, into: shared)
        case .consumer(let shared): try takeBlock(blockIndex, from: shared)
        }
    }

    /// The prefetching thread's `loadBlock`: hands the block before on, then loads this one into a recycled
    /// buffer; a failure goes to the reader with the block (it surfaces only when the reader reaches it).
    private func produceBlock(_ blockIndex: Int, into shared: SealedPrefetch) throws(LogError) {
        publishProducedBlock()
        guard var block = shared.acquire() else {
            throw LogError(.failed, "\(name): prefetching stopped", file: name)
        }
        let entry = layout!.index[blockIndex]
        block.segmentBaseSeq = baseSeq
        block.blockIndex = blockIndex
        block.fileOffset = entry.fileOffset
        block.rawSizeBytes = rawSizeBytes(ofBlock: blockIndex)
        swap(&window, &block.bytes)
        // One compressed-block buffer for all the thread's segments, sized once for a usual block: a new thread's
        // heap is fresh memory, and growing a buffer per segment cost ~600 page faults a replay.
        if window.count < block.rawSizeBytes {
            // Sized for the segment's largest block (a batch larger than ~64 KiB makes a block of its own: the
            // bench's blocks are 50–220 KB), so a recycled buffer is not reallocated for a larger block later.
            if largestBlockRawSizeBytes == 0 {
                for index in layout!.index.indices {  // Bounded by the block index.
                    largestBlockRawSizeBytes = max(largestBlockRawSizeBytes, rawSizeBytes(ofBlock: index))
                }
            }
            let sizeBytes = min(
                max(block.rawSizeBytes, largestBlockRawSizeBytes, SealedPrefetch.bufferSizeBytesMin),
                LogLimits.sealBlockSizeBytesMax)
            window = HugePages.zeroedBytes(count: max(sizeBytes, block.rawSizeBytes))
        }
        if compressed.isEmpty { swap(&compressed, &shared.producerCompressed) }
        if compressed.count < SealedPrefetch.bufferSizeBytesMin {
            compressed = HugePages.zeroedBytes(count: SealedPrefetch.bufferSizeBytesMin)
        }
        do throws(LogError) {
            try loadBlockHere(blockIndex)
            prefetchBlock = block
        } catch {
            block.failure = error
            prefetchBlock = block
            publishProducedBlock()
            throw error
        }
    }

    /// Hands the block being filled (with its batch checks so far) to the reader.
    func publishProducedBlock() {
        guard case .producer(let shared) = prefetch, var block = prefetchBlock else { return }
        prefetchBlock = nil
        swap(&window, &block.bytes)
        windowCount = 0
        windowRawOffset = 0
        shared.publish(block)
    }

    /// The reader's `loadBlock`: the prefetched block when it is this one (its error, if loading it failed),
    /// else loaded here.
    private func takeBlock(_ blockIndex: Int, from shared: SealedPrefetch) throws(LogError) {
        if var previous = prefetchBlock {
            prefetchBlock = nil
            swap(&window, &previous.bytes)
            shared.recycle(previous)
        }
        let entry = layout!.index[blockIndex]
        guard
            var block = shared.take(
                segmentBaseSeq: baseSeq, blockIndex: blockIndex, fileOffset: entry.fileOffset,
                rawSizeBytes: rawSizeBytes(ofBlock: blockIndex))
        else {
            try loadBlockHere(blockIndex)
            return
        }
        windowFileOffset = entry.fileOffset
        swap(&window, &block.bytes)
        prefetchCheckIndex = 0
        let failure = block.failure
        prefetchBlock = block
        if let failure { throw failure }
        assert(window.count >= block.rawSizeBytes)
        windowRawOffset = entry.rawOffset
        windowCount = block.rawSizeBytes
        blockCursor = blockIndex + 1
    }

    /// The raw content size the index gives a block (checked in range by the load, not here).
    private func rawSizeBytes(ofBlock blockIndex: Int) -> Int {
        let layout = layout!
        let isLast = blockIndex + 1 == layout.index.count
        let rawEnd = isLast ? layout.footer.rawSizeBytes : layout.index[blockIndex + 1].rawOffset
        let rawStart = layout.index[blockIndex].rawOffset
        return rawEnd > rawStart ? Int(clamping: rawEnd - rawStart) : -1
    }

    /// `BatchCodec.validate` of the batch at `startInWindow`, or the prefetching thread's answer for the same
    /// inputs (the reader's); the prefetching thread records its answers for the reader. Without prefetching (raw
    /// segments never take part) it is the plain check.
    private func validateBatch(
        at startInWindow: Int, header: BatchHeader, lastTimeMs batchLastTimeMs: inout Int64
    ) -> BatchCodec.Problem? {
        let sizeBytes = Int(header.batchSizeBytes)
        if case .consumer = prefetch, let block = prefetchBlock, prefetchCheckIndex < block.checks.count {
            let check = block.checks[prefetchCheckIndex]
            if check.startInBlock == startInWindow, check.sizeBytes == sizeBytes, check.chainBefore == chain,
                check.previousTimeMs == lastTimeMs
            {
                prefetchCheckIndex += 1
                batchLastTimeMs = check.lastTimeMs
                return check.problem
            }
        }
        let problem = window.withUnsafeBytes {
            BatchCodec.validate(
                $0.slice(startInWindow, sizeBytes), header: header, chainBefore: chain, previousTimeMs: lastTimeMs,
                lastTimeMs: &batchLastTimeMs)
        }
        if case .producer = prefetch, prefetchBlock != nil {
            prefetchBlock!.checks.append(
                SealedPrefetch.BatchCheck(
                    startInBlock: startInWindow, sizeBytes: sizeBytes, chainBefore: chain, previousTimeMs: lastTimeMs,
                    lastTimeMs: batchLastTimeMs, problem: problem))
        }
        return problem
    }

    private func loadBlockHere(_ blockIndex: Int) throws(LogError) {
        let layout = layout!
        let entry = layout.index[blockIndex]
        let isLast = blockIndex + 1 == layout.index.count
        let expectedEnd = isLast ? layout.endMarkOffset : layout.index[blockIndex + 1].fileOffset
        let rawSizeBytes = self.rawSizeBytes(ofBlock: blockIndex)
        windowFileOffset = entry.fileOffset
        guard rawSizeBytes > 0, rawSizeBytes <= LogLimits.sealBlockSizeBytesMax else {
            throw corrupt(
                "block \(blockIndex) raw size out of range", fileOffset: entry.fileOffset, seq: entry.firstSeq)
        }
        var word = [UInt8](repeating: 0, count: 4)
        try readExactly(storage, file, &word, at: entry.fileOffset, name: name)
        let blockWord = word.withUnsafeBytes { $0.getUInt32(at: 0) }
        let storedUncompressed = blockWord & SealedFormat.uncompressedBlockFlag != 0
        let dataSizeBytes = Int(blockWord & ~SealedFormat.uncompressedBlockFlag)
        guard dataSizeBytes > 0, dataSizeBytes <= LogLimits.sealBlockSizeBytesMax,
            entry.fileOffset + 4 + UInt64(dataSizeBytes) == expectedEnd
        else {
            throw corrupt(
                "LZ4 block \(blockIndex) size \(dataSizeBytes) does not reach the next block",
                fileOffset: entry.fileOffset,
                seq: entry.firstSeq)
        }
        if compressed.count < dataSizeBytes { compressed = HugePages.zeroedBytes(count: dataSizeBytes) }
        if window.count < rawSizeBytes { window = HugePages.zeroedBytes(count: max(rawSizeBytes, 64 << 10)) }
        let got: Int
        do {
            got = try storage.read(file, into: &compressed, count: dataSizeBytes, at: entry.fileOffset + 4)
        } catch { throw LogError.from(error, "read segment", file: name) }
        guard got == dataSizeBytes else {
            throw corrupt("LZ4 block \(blockIndex) truncated", fileOffset: entry.fileOffset, seq: entry.firstSeq)
        }
        let storedChecksum = compressed.withUnsafeBytes {
            CRC32C.update(CRC32C.checksum(word), $0.slice(0, dataSizeBytes))
        }
        guard storedChecksum == entry.blockChecksum else {
            throw corrupt(
                "LZ4 block \(blockIndex) checksum mismatch", fileOffset: entry.fileOffset, seq: entry.firstSeq)
        }
        if storedUncompressed {
            guard dataSizeBytes == rawSizeBytes else {
                throw corrupt(
                    "stored block \(blockIndex) size mismatch", fileOffset: entry.fileOffset, seq: entry.firstSeq)
            }
            window.withUnsafeMutableBytes { dst in
                compressed.withUnsafeBytes { src in dst.copyMemory(from: src.slice(0, dataSizeBytes)) }
            }
        } else {
            let decoded = window.withUnsafeMutableBytes { dst in
                compressed.withUnsafeBytes { src in
                    LZ4_decompress_safe(
                        src.baseAddress!.assumingMemoryBound(to: CChar.self),
                        dst.baseAddress!.assumingMemoryBound(to: CChar.self), Int32(dataSizeBytes), Int32(rawSizeBytes))
                }
            }
            guard decoded == Int32(rawSizeBytes) else {
                throw corrupt(
                    "LZ4 block \(blockIndex) does not decompress to \(rawSizeBytes) bytes",
                    fileOffset: entry.fileOffset,
                    seq: entry.firstSeq)
            }
        }
        windowRawOffset = entry.rawOffset
        windowCount = rawSizeBytes
        blockCursor = blockIndex + 1
    }

    /// Moves to the next batch. With `validateFrom`, batches wholly before that seq are skipped on their (checked)
    /// headers alone. Returns nil at the end of the segment (`end` says clean or torn). Throws on corruption,
    /// leaving the position after the last good batch.
    @discardableResult
    func nextBatch(validateFrom: UInt64 = 0) throws(LogError) -> BatchHeader? {
        batch = nil
        while true {
            if end != nil { return nil }
            let batchHeader: BatchHeader
            let startInWindow: Int
            switch kind {
            case .raw:
                let available = try ensureRawWindow(at: rawOffset, count: BatchHeader.sizeBytes)
                if available == 0 {
                    end = .clean
                    return nil
                }
                if available < BatchHeader.sizeBytes {
                    end = .torn(
                        offset: rawOffset, sizeBytes: fileSizeBytes - rawOffset, reason: "partial batch header")
                    return nil
                }
                let headerStart = Int(rawOffset - windowRawOffset)
                let decoded = window.withUnsafeBytes {
                    BatchHeader.decode($0.slice(headerStart, BatchHeader.sizeBytes))
                }
                switch decoded {
                case .success(let value): batchHeader = value
                case .failure(.short): preconditionFailure()
                case .failure(.bad(let detail)):
                    let dataEnd = try nonZeroEnd(from: rawOffset)
                    if dataEnd == rawOffset {
                        // Zeros to the end of the file: the preallocated tail (or a tail whose size reached the
                        // disk before its data), where the records end.
                        end = .clean
                        return nil
                    }
                    if dataEnd < rawOffset + UInt64(BatchHeader.sizeBytes) {
                        end = .torn(
                            offset: rawOffset, sizeBytes: fileSizeBytes - rawOffset,
                            reason: "partial batch header followed by zeros")
                        return nil
                    }
                    throw corrupt(detail, fileOffset: rawOffset, seq: nextSeq)
                }
                if rawOffset + UInt64(batchHeader.batchSizeBytes) > fileSizeBytes {
                    end = .torn(
                        offset: rawOffset, sizeBytes: fileSizeBytes - rawOffset,
                        reason: "partial batch (\(fileSizeBytes - rawOffset) of \(batchHeader.batchSizeBytes) bytes)")
                    return nil
                }
                // The whole batch must be in the window (it may cross the window's end).
                let held = try ensureRawWindow(at: rawOffset, count: Int(batchHeader.batchSizeBytes))
                if held < Int(batchHeader.batchSizeBytes) {
                    // The file shrank after it was opened (a writer recovered it): what is left is a torn tail.
                    end = .torn(offset: rawOffset, sizeBytes: UInt64(held), reason: "file shrank while reading")
                    return nil
                }
                startInWindow = Int(rawOffset - windowRawOffset)
            case .sealed:
                let layout = layout!
                if rawOffset == windowRawOffset + UInt64(windowCount) {
                    if blockCursor == layout.index.count {
                        guard rawOffset == layout.footer.rawSizeBytes, nextSeq == layout.footer.lastSeq + 1,
                            chain == layout.footer.lastChain,
                            lastTimeMs == nil || lastTimeMs == layout.footer.lastTimeMs
                        else {
                            throw corrupt(
                                "content does not match the footer (last seq \(layout.footer.lastSeq))",
                                fileOffset: layout.fileSizeBytes - UInt64(SealedFooter.sizeBytes), seq: nextSeq)
                        }
                        end = .clean
                        return nil
                    }
                    let entry = layout.index[blockCursor]
                    guard entry.rawOffset == rawOffset, entry.firstSeq == nextSeq, entry.chainBefore == chain else {
                        throw corrupt(
                            "block index entry \(blockCursor) does not match the content", fileOffset: entry.fileOffset,
                            seq: nextSeq)
                    }
                    try loadBlock(blockCursor)
                }
                startInWindow = Int(rawOffset - windowRawOffset)
                let available = windowCount - startInWindow
                let decoded = window.withUnsafeBytes {
                    BatchHeader.decode($0.slice(startInWindow, min(available, BatchHeader.sizeBytes)))
                }
                switch decoded {
                case .success(let value): batchHeader = value
                case .failure(.short):
                    throw corrupt("batch header crosses block end", fileOffset: windowFileOffset, seq: nextSeq)
                case .failure(.bad(let detail)):
                    throw corrupt(detail + " (raw offset \(rawOffset))", fileOffset: windowFileOffset, seq: nextSeq)
                }
                guard Int(batchHeader.batchSizeBytes) <= available else {
                    throw corrupt(
                        "batch crosses block end (raw offset \(rawOffset))", fileOffset: windowFileOffset, seq: nextSeq)
                }
            case .sealing, .recovering: preconditionFailure()
            }
            guard batchHeader.baseSeq == nextSeq else {
                throw corrupt(
                    "expected seq \(nextSeq), batch starts at \(batchHeader.baseSeq)",
                    fileOffset: fileOffset(ofRaw: rawOffset),
                    seq: nextSeq)
            }
            if batchHeader.lastSeq < validateFrom {
                // Skip on the checked header alone.
                chain = batchHeader.chainAfter
                lastTimeMs = nil
                nextSeq = batchHeader.lastSeq + 1
                rawOffset += UInt64(batchHeader.batchSizeBytes)
                continue
            }
            var batchLastTimeMs: Int64 = 0
            let problem = validateBatch(at: startInWindow, header: batchHeader, lastTimeMs: &batchLastTimeMs)
            if let problem {
                if kind == .raw, let recordEnd = problem.recordEndInBatch,
                    try nonZeroEnd(from: rawOffset + UInt64(problem.offsetInBatch)) < rawOffset + UInt64(recordEnd)
                {
                    // Zeros from inside the failing record to the end of the file: a write into the preallocated
                    // zeros that was cut short (a kill during `pwrite`), not a damaged record.
                    end = .torn(
                        offset: rawOffset, sizeBytes: fileSizeBytes - rawOffset,
                        reason: "partial batch (the record at byte \(rawOffset + UInt64(problem.offsetInBatch)) is cut short by zeros)")
                    return nil
                }
                let offset = kind == .raw ? rawOffset + UInt64(problem.offsetInBatch) : windowFileOffset
                let rawNote = kind == .raw ? "" : " (raw offset \(rawOffset + UInt64(problem.offsetInBatch)))"
                throw corrupt(problem.detail + rawNote, fileOffset: offset, seq: problem.seq)
            }
            chainBeforeCurrentBatch = chain
            chain = batchHeader.chainAfter
            lastTimeMs = batchLastTimeMs
            nextSeq = batchHeader.lastSeq + 1
            rawOffset += UInt64(batchHeader.batchSizeBytes)
            batch = batchHeader
            recordIndex = 0
            recordOffsetInWindow = startInWindow + BatchHeader.sizeBytes
            batchEndInWindow = startInWindow + Int(batchHeader.batchSizeBytes)
            return batchHeader
        }
    }

    /// Hands records to `body`, each a view of the window, until `body` answers false (that record counts as read)
    /// or the segment ends. Returns true when `body` stopped, false at the end of the segment (`end` says how).
    /// One pass over a batch's records per `withUnsafeBytes`: no per-record retain of the window.
    func withEachRecord(_ body: (LogRecordView) -> Bool) throws(LogError) -> Bool {
        while true {
            if let batch, recordIndex < Int(batch.recordCount) {
                var index = recordIndex
                var offset = recordOffsetInWindow
                let recordCount = Int(batch.recordCount)
                let stopped = window.withUnsafeBytes { bytes in
                    while index < recordCount {  // Bounded by the batch's record count.
                        let (view, nextOffset) = BatchCodec.recordView(
                            in: bytes, at: offset, header: batch, index: index)
                        index += 1
                        offset = nextOffset
                        if !body(view) { return true }
                    }
                    return false
                }
                recordIndex = index
                recordOffsetInWindow = offset
                if stopped { return true }
            }
            guard try nextBatch() != nil else { return false }
        }
    }

    /// ``withEachRecord(_:)`` a batch at a time: `body` gets the rest of each batch as a ``LogRecordBatch`` and
    /// answers how many of its records it took and whether it stops (a body that goes on takes them all). Returns
    /// true when `body` stopped, false at the end of the segment. The same records and checks.
    func withEachBatch(_ body: (LogRecordBatch) -> LogRecordBatch.Progress) throws(LogError) -> Bool {
        while true {
            if let batch, recordIndex < Int(batch.recordCount) {
                let remaining = Int(batch.recordCount) - recordIndex
                let progress = window.withUnsafeBytes { bytes in
                    body(
                        LogRecordBatch(
                            bytes: UnsafeRawBufferPointer(rebasing: bytes[recordOffsetInWindow..<batchEndInWindow]),
                            firstSeq: batch.baseSeq + UInt64(recordIndex), baseTimeMs: batch.baseTimeMs,
                            recordCount: remaining))
                }
                precondition(
                    progress.recordCount >= 0 && progress.recordCount <= remaining
                        && (progress.stopped || progress.recordCount == remaining),
                    "a batch body takes its records from the first, all of them unless it stops")
                if progress.recordCount == remaining {
                    recordIndex = Int(batch.recordCount)
                    recordOffsetInWindow = batchEndInWindow
                } else {
                    window.withUnsafeBytes { bytes in
                        for _ in 0..<progress.recordCount {  // Bounded by the batch's records.
                            recordOffsetInWindow = BatchCodec.recordView(
                                in: bytes, at: recordOffsetInWindow, header: batch, index: recordIndex
                            ).1
                            recordIndex += 1
                        }
                    }
                }
                if progress.stopped { return true }
            }
            guard try nextBatch() != nil else { return false }
        }
    }

    /// Positions so that the next record handed out (`withEachRecord`) is `seq` (or the end, when the segment ends
    /// before it).
    func seek(to seq: UInt64) throws(LogError) {
        if kind == .sealed, let layout, seq > baseSeq {
            let block = layout.blockIndex(for: seq)
            if block > 0 {
                let entry = layout.index[block]
                try loadBlock(block)
                rawOffset = entry.rawOffset
                nextSeq = entry.firstSeq
                chain = entry.chainBefore
                lastTimeMs = nil
            }
        }
        guard try nextBatch(validateFrom: seq) != nil, let batch else { return }
        while recordIndex < Int(batch.recordCount), batch.baseSeq + UInt64(recordIndex) < seq {
            let nextOffset = window.withUnsafeBytes {
                BatchCodec.recordView(in: $0, at: recordOffsetInWindow, header: batch, index: recordIndex).1
            }
            recordIndex += 1
            recordOffsetInWindow = nextOffset
        }
    }

    /// A positioned read fetches this much at first (a batch larger than it is still read whole).
    static let positionedReadWindowSizeBytes = 256 << 10

    /// Positions a raw segment's scanner at a batch named by a derived file, trusting nothing: the offset must lie
    /// inside the file past the segment header, and the next `nextBatch` then checks the batch header's seq
    /// against `position.baseSeq` and its records and `chainAfter` against the chain continued from
    /// `position.chainBefore`, exactly as when reading from the segment's start.
    func position(at position: BatchPosition) throws(LogError) {
        guard kind == .raw, end == nil, header != nil else {
            throw LogError(.invalidArgument, "\(name): positioned reads are for raw segments", file: name)
        }
        guard position.segmentBaseSeq == baseSeq, position.baseSeq >= baseSeq,
            position.offsetBytes >= BatchPosition.firstBatchOffsetBytes, position.offsetBytes <= fileSizeBytes
        else {
            throw LogError(
                .invalidArgument, "\(name): no batch can start at byte \(position.offsetBytes)", file: name,
                offset: position.offsetBytes, seq: position.baseSeq)
        }
        windowCount = 0
        windowRawOffset = 0
        rawOffset = position.offsetBytes
        nextSeq = position.baseSeq
        chain = position.chainBefore
        lastTimeMs = nil
        batch = nil
    }

    /// The position of the batch holding the record last handed out by `withEachRecord` (raw segments only).
    var currentBatchPosition: BatchPosition? {
        guard kind == .raw, let batch else { return nil }
        return BatchPosition(
            segmentBaseSeq: baseSeq, offsetBytes: rawOffset - UInt64(batch.batchSizeBytes), baseSeq: batch.baseSeq,
            chainBefore: chainBeforeCurrentBatch)
    }

    /// The raw bytes of the batch just returned by `nextBatch` (for sealing).
    func withCurrentBatchBytes<T>(_ body: (UnsafeRawBufferPointer) -> T) -> T {
        let batch = batch!
        let start = Int(rawOffset - windowRawOffset) - Int(batch.batchSizeBytes)
        return window.withUnsafeBytes { body($0.slice(start, Int(batch.batchSizeBytes))) }
    }
}
