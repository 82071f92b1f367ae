import CLZ4

/// Turns a full raw segment into a sealed one, atomically: write `.log.lz4.tmp`, fsync it and the directory,
/// rename to `.log.lz4`, fsync the directory, remove the raw `.log`, fsync the directory. A crash at any step
/// leaves a log that opens: a `.tmp` is deleted, a raw file next to its sealed twin is deleted.
enum Sealer {
    /// Seals `baseSeq`'s raw segment and returns the footer written. The raw segment must end cleanly.
    /// With `expectedNextSeq` (the writer's roll), the segment must hold its records up to that seq: a last batch
    /// that reads as zeros (a lost or misdirected write) would otherwise pass for the end of the records.
    static func seal(storage: any LogStorage, directory: String, baseSeq: UInt64, expectedNextSeq: UInt64? = nil)
        throws(LogError) -> SealedFooter
    {
        let rawName = SegmentName.raw(baseSeq)
        let tempName = SegmentName.sealing(baseSeq)
        let tempPath = directory + "/" + tempName
        let scanner = try SegmentScanner(storage: storage, directory: directory, name: rawName)
        guard let header = scanner.header else {
            throw LogError(.corruptRecord, "cannot seal \(rawName): torn header", file: rawName, offset: 0)
        }
        try? storage.remove(tempPath)
        let out: FileID
        do { out = try storage.open(tempPath, .createExclusive) } catch {
            throw LogError.from(error, "create \(tempName)", file: tempName)
        }
        var closed = false
        defer { if !closed { storage.close(out) } }
        var fileOffset: UInt64 = 0
        var output: [UInt8] = []
        output.reserveCapacity(2 << 20)
        var block: [UInt8] = []
        block.reserveCapacity(LogLimits.sealBlockTargetSizeBytes + BatchHeader.sizeBytes)
        var compressed = [UInt8](repeating: 0, count: Int(LZ4_compressBound(Int32(LogLimits.sealBlockSizeBytesMax))))
        var index: [BlockIndexEntry] = []
        var blockEntry = BlockIndexEntry(
            fileOffset: UInt64(SealedFormat.frameHeaderSizeBytes), rawOffset: 0, firstSeq: baseSeq,
            chainBefore: header.previousChain)
        var rawOffset: UInt64 = 0
        var blockBatchCount = 0

        func flushOutput(force: Bool) throws(LogError) {
            guard !output.isEmpty, force || output.count >= 1 << 20 else { return }
            do {
                try storage.write(out, output, at: fileOffset)
            } catch {
                try? storage.remove(tempPath)
                throw LogError.from(error, "write \(tempName)", file: tempName)
            }
            fileOffset += UInt64(output.count)
            output.removeAll(keepingCapacity: true)
        }
        func emitBlock() throws(LogError) {
            precondition(!block.isEmpty && block.count <= LogLimits.sealBlockSizeBytesMax)
            let compressedSizeBytes = block.withUnsafeBytes { src in
                compressed.withUnsafeMutableBytes { dst in
                    LZ4_compress_default(
                        src.baseAddress!.assumingMemoryBound(to: CChar.self),
                        dst.baseAddress!.assumingMemoryBound(to: CChar.self), Int32(src.count), Int32(dst.count))
                }
            }
            precondition(compressedSizeBytes > 0, "LZ4 compression failed")
            blockEntry.fileOffset = fileOffset + UInt64(output.count)
            let blockStart = output.count
            if Int(compressedSizeBytes) < block.count {
                output.appendLE(UInt32(compressedSizeBytes))
                output.append(contentsOf: compressed[0..<Int(compressedSizeBytes)])
            } else {
                output.appendLE(UInt32(block.count) | SealedFormat.uncompressedBlockFlag)
                output.append(contentsOf: block)
            }
            blockEntry.blockChecksum = CRC32C.checksum(output[blockStart...])
            index.append(blockEntry)
            rawOffset += UInt64(block.count)
            block.removeAll(keepingCapacity: true)
            blockBatchCount = 0
            try flushOutput(force: false)
        }

        output.append(contentsOf: SealedFormat.frameHeader)
        header.encode(into: &block)
        var recordCount: UInt64 = 0
        while let batch = try scanner.nextBatch() {
            let batchSizeBytes = Int(batch.batchSizeBytes)
            if blockBatchCount > 0, block.count + batchSizeBytes > LogLimits.sealBlockTargetSizeBytes {
                try emitBlock()
            }
            if block.isEmpty {
                blockEntry = BlockIndexEntry(
                    fileOffset: 0, rawOffset: rawOffset, firstSeq: batch.baseSeq,
                    chainBefore: scanner.chainBeforeCurrentBatch)
            }
            scanner.withCurrentBatchBytes { block.append(contentsOf: $0) }
            blockBatchCount += 1
            recordCount += UInt64(batch.recordCount)
        }
        if let expectedNextSeq, scanner.end == .clean, scanner.nextSeq != expectedNextSeq {
            try? storage.remove(tempPath)
            throw LogError(
                .corruptRecord,
                "cannot seal \(rawName): its records end at seq \(scanner.nextSeq), the writer wrote up to seq \(expectedNextSeq - 1)",
                file: rawName, offset: scanner.rawOffset, seq: scanner.nextSeq)
        }
        guard scanner.end == .clean, recordCount > 0 else {
            try? storage.remove(tempPath)
            throw LogError(
                .corruptRecord, "cannot seal \(rawName): it has no records or a torn tail", file: rawName,
                offset: scanner.rawOffset)
        }
        try emitBlock()
        let footer = SealedFooter(
            baseSeq: baseSeq, lastSeq: scanner.nextSeq - 1, recordCount: recordCount,
            previousChain: header.previousChain, lastChain: scanner.chain, lastTimeMs: scanner.lastTimeMs!,
            rawSizeBytes: rawOffset, blockCount: UInt32(index.count), indexChecksum: 0)
        precondition(footer.lastSeq - footer.baseSeq + 1 == recordCount)
        var indexBytes: [UInt8] = []
        indexBytes.reserveCapacity(index.count * BlockIndexEntry.sizeBytes)
        for entry in index { entry.encode(into: &indexBytes) }
        var finalFooter = footer
        finalFooter.indexChecksum = CRC32C.checksum(indexBytes)
        output.appendLE(UInt32(0))  // EndMark
        output.appendLE(SealedFormat.skippableMagic)
        output.appendLE(UInt32(indexBytes.count + SealedFooter.sizeBytes))
        output.append(contentsOf: indexBytes)
        finalFooter.encode(into: &output)
        try flushOutput(force: true)
        do {
            try storage.sync(out)
            storage.close(out)
            closed = true
            try storage.syncDirectory(directory)
        } catch {
            try? storage.remove(tempPath)
            throw LogError(.failed, "fsync while sealing \(rawName)", errno: error.rawValue, file: tempName)
        }
        do {
            try storage.rename(tempPath, directory + "/" + SegmentName.sealed(baseSeq))
            try storage.syncDirectory(directory)
            try storage.remove(directory + "/" + rawName)
            try storage.syncDirectory(directory)
        } catch {
            throw LogError(.failed, "rename/remove while sealing \(rawName)", errno: error.rawValue, file: rawName)
        }
        return finalFooter
    }

}
