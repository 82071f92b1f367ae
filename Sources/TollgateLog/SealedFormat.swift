import CLZ4

/// A sealed segment (`.log.lz4`) is one LZ4 frame whose decompressed content is exactly the raw segment
/// (header + batches), so `lz4 -d` restores the `.log` file, followed by one skippable frame holding the block
/// index and the footer. Every LZ4 block holds whole batches, so a reader can seek by seq through the index
/// and decompress one block.
enum SealedFormat {
    /// FLG: version 01, independent blocks, no block checksum, no content size, no content checksum (records carry
    /// their own CRC32C). BD: block maximum size id 7 (4 MiB).
    static let frameFlags: UInt8 = 0x60
    static let frameBlockDescriptor: UInt8 = 0x70
    static let frameMagic: UInt32 = 0x184D_2204
    static let skippableMagic: UInt32 = 0x184D_2A50
    static let frameHeaderSizeBytes = 7
    static let endMarkSizeBytes = 4
    static let skippableHeaderSizeBytes = 8
    /// High bit of a block size: the block is stored uncompressed.
    static let uncompressedBlockFlag: UInt32 = 0x8000_0000

    /// The 7 bytes every v1 sealed segment starts with (the header checksum byte comes from liblz4 itself).
    static let frameHeader: [UInt8] = {
        var preferences = LZ4F_preferences_t()
        preferences.frameInfo.blockSizeID = LZ4F_max4MB
        preferences.frameInfo.blockMode = LZ4F_blockIndependent
        preferences.frameInfo.contentChecksumFlag = LZ4F_noContentChecksum
        preferences.frameInfo.blockChecksumFlag = LZ4F_noBlockChecksum
        preferences.frameInfo.frameType = LZ4F_frame
        var context: OpaquePointer? = nil
        precondition(LZ4F_isError(LZ4F_createCompressionContext(&context, UInt32(LZ4F_VERSION))) == 0)
        defer { LZ4F_freeCompressionContext(context) }
        var header = [UInt8](repeating: 0, count: Int(LZ4F_HEADER_SIZE_MAX))
        let written = header.withUnsafeMutableBytes {
            LZ4F_compressBegin(context, $0.baseAddress, $0.count, &preferences)
        }
        precondition(LZ4F_isError(written) == 0 && written == frameHeaderSizeBytes)
        header.removeLast(header.count - written)
        precondition(header[0..<6] == [0x04, 0x22, 0x4D, 0x18, frameFlags, frameBlockDescriptor])
        return header
    }()
}

/// One entry per LZ4 block (36 bytes).
///
///     0  fileOffset     UInt64  offset of the block's size field in the sealed file
///     8  rawOffset      UInt64  offset of the block's first byte in the raw content
///     16 firstSeq       UInt64  seq of the block's first record
///     24 chainBefore    UInt64  chain value before that record
///     32 blockChecksum  UInt32  CRC32C of the block as stored (size field + data), so that every stored byte is
///                               covered: two LZ4 encodings can decompress to the same content
struct BlockIndexEntry: Equatable {
    static let sizeBytes = 36
    var fileOffset: UInt64
    var rawOffset: UInt64
    var firstSeq: UInt64
    var chainBefore: UInt64
    var blockChecksum: UInt32 = 0

    func encode(into buffer: inout [UInt8]) {
        buffer.appendLE(fileOffset)
        buffer.appendLE(rawOffset)
        buffer.appendLE(firstSeq)
        buffer.appendLE(chainBefore)
        buffer.appendLE(blockChecksum)
    }

    static func decode(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> BlockIndexEntry {
        BlockIndexEntry(
            fileOffset: bytes.getUInt64(at: offset), rawOffset: bytes.getUInt64(at: offset + 8),
            firstSeq: bytes.getUInt64(at: offset + 16), chainBefore: bytes.getUInt64(at: offset + 24),
            blockChecksum: bytes.getUInt32(at: offset + 32))
    }
}

/// The last 80 bytes of a sealed segment.
///
///     0  magic          UInt32  "TGSF"
///     4  version        UInt16  1
///     6  flags          UInt16  0
///     8  baseSeq        UInt64
///     16 lastSeq        UInt64
///     24 recordCount    UInt64
///     32 previousChain  UInt64  chain before baseSeq
///     40 lastChain      UInt64  chain after lastSeq
///     48 lastTimeMs     Int64
///     56 rawSizeBytes   UInt64  size of the decompressed content (the raw segment)
///     64 blockCount     UInt32
///     68 indexChecksum  UInt32  CRC32C of the block index
///     72 reserved       UInt32  0
///     76 checksum       UInt32  CRC32C of bytes 0..<76
struct SealedFooter: Equatable {
    static let sizeBytes = 80
    static let magic: UInt32 = 0x4653_4754  // "TGSF"
    var baseSeq: UInt64
    var lastSeq: UInt64
    var recordCount: UInt64
    var previousChain: UInt64
    var lastChain: UInt64
    var lastTimeMs: Int64
    var rawSizeBytes: UInt64
    var blockCount: UInt32
    var indexChecksum: UInt32

    func encode(into buffer: inout [UInt8]) {
        let start = buffer.count
        buffer.appendLE(Self.magic)
        buffer.appendLE(FormatV1.version)
        buffer.appendLE(UInt16(0))
        buffer.appendLE(baseSeq)
        buffer.appendLE(lastSeq)
        buffer.appendLE(recordCount)
        buffer.appendLE(previousChain)
        buffer.appendLE(lastChain)
        buffer.appendLE(lastTimeMs)
        buffer.appendLE(rawSizeBytes)
        buffer.appendLE(blockCount)
        buffer.appendLE(indexChecksum)
        buffer.appendLE(UInt32(0))
        let crc = buffer.withUnsafeBytes { CRC32C.update(0, $0.slice(start, 76)) }
        buffer.appendLE(crc)
        assert(buffer.count - start == Self.sizeBytes)
    }

    static func decode(_ bytes: UnsafeRawBufferPointer) -> Result<SealedFooter, HeaderProblem> {
        guard bytes.count >= sizeBytes else { return .failure(.short) }
        guard bytes.getUInt32(at: 76) == CRC32C.update(0, bytes.slice(0, 76)) else {
            return .failure(.bad("footer checksum mismatch"))
        }
        guard bytes.getUInt32(at: 0) == magic else { return .failure(.bad("footer magic mismatch")) }
        guard bytes.getUInt16(at: 4) == FormatV1.version else { return .failure(.bad("unsupported footer version")) }
        guard bytes.getUInt16(at: 6) == 0, bytes.getUInt32(at: 72) == 0 else {
            return .failure(.bad("footer reserved bytes not zero"))
        }
        let footer = SealedFooter(
            baseSeq: bytes.getUInt64(at: 8), lastSeq: bytes.getUInt64(at: 16), recordCount: bytes.getUInt64(at: 24),
            previousChain: bytes.getUInt64(at: 32), lastChain: bytes.getUInt64(at: 40),
            lastTimeMs: bytes.getInt64(at: 48), rawSizeBytes: bytes.getUInt64(at: 56),
            blockCount: bytes.getUInt32(at: 64), indexChecksum: bytes.getUInt32(at: 68))
        guard footer.recordCount >= 1, footer.lastSeq == footer.baseSeq &+ footer.recordCount &- 1,
            footer.blockCount >= 1
        else { return .failure(.bad("footer fields inconsistent")) }
        return .success(footer)
    }
}

/// Footer and block index of a sealed segment, loaded and checked (every offset in range, increasing).
struct SealedLayout {
    var footer: SealedFooter
    var index: [BlockIndexEntry]
    var fileSizeBytes: UInt64
    /// Offset of the frame's EndMark (right after the last block).
    var endMarkOffset: UInt64

    static func load(storage: any LogStorage, file: FileID, name: String) throws(LogError) -> SealedLayout {
        func corrupt(_ detail: String, _ offset: UInt64) -> LogError {
            LogError(.corruptRecord, "sealed segment \(name): \(detail)", file: name, offset: offset)
        }
        let fileSizeBytes: UInt64
        do { fileSizeBytes = try storage.sizeBytes(file) } catch { throw LogError.from(error, "stat", file: name) }
        let fixedBytes = UInt64(
            SealedFormat.frameHeaderSizeBytes + SealedFormat.endMarkSizeBytes + SealedFormat.skippableHeaderSizeBytes
                + SealedFooter.sizeBytes)
        guard fileSizeBytes >= fixedBytes + 4 + UInt64(BlockIndexEntry.sizeBytes) else {
            throw corrupt("file too short (\(fileSizeBytes) bytes)", 0)
        }
        var frameHeader = [UInt8](repeating: 0, count: SealedFormat.frameHeaderSizeBytes)
        try readExactly(storage, file, &frameHeader, at: 0, name: name)
        guard frameHeader == SealedFormat.frameHeader else { throw corrupt("LZ4 frame header is not the v1 header", 0) }

        let footerOffset = fileSizeBytes - UInt64(SealedFooter.sizeBytes)
        var footerBytes = [UInt8](repeating: 0, count: SealedFooter.sizeBytes)
        try readExactly(storage, file, &footerBytes, at: footerOffset, name: name)
        let footer: SealedFooter
        switch footerBytes.withUnsafeBytes({ SealedFooter.decode($0) }) {
        case .success(let value): footer = value
        case .failure(.short): throw corrupt("footer short", footerOffset)
        case .failure(.bad(let detail)): throw corrupt(detail, footerOffset)
        }
        let indexSizeBytes = UInt64(footer.blockCount) * UInt64(BlockIndexEntry.sizeBytes)
        guard indexSizeBytes + fixedBytes + 4 * UInt64(footer.blockCount) <= fileSizeBytes else {
            throw corrupt("block count \(footer.blockCount) does not fit the file", footerOffset)
        }
        let indexOffset = footerOffset - indexSizeBytes
        let skippableOffset = indexOffset - UInt64(SealedFormat.skippableHeaderSizeBytes)
        var skippable = [UInt8](repeating: 0, count: SealedFormat.skippableHeaderSizeBytes)
        try readExactly(storage, file, &skippable, at: skippableOffset, name: name)
        let skippableOK = skippable.withUnsafeBytes {
            $0.getUInt32(at: 0) == SealedFormat.skippableMagic
                && UInt64($0.getUInt32(at: 4)) == indexSizeBytes + UInt64(SealedFooter.sizeBytes)
        }
        guard skippableOK else { throw corrupt("skippable frame header mismatch", skippableOffset) }
        let endMarkOffset = skippableOffset - UInt64(SealedFormat.endMarkSizeBytes)
        var endMark = [UInt8](repeating: 0xFF, count: 4)
        try readExactly(storage, file, &endMark, at: endMarkOffset, name: name)
        guard endMark == [0, 0, 0, 0] else { throw corrupt("LZ4 EndMark missing", endMarkOffset) }

        var indexBytes = [UInt8](repeating: 0, count: Int(indexSizeBytes))
        try readExactly(storage, file, &indexBytes, at: indexOffset, name: name)
        guard CRC32C.checksum(indexBytes) == footer.indexChecksum else {
            throw corrupt("block index checksum mismatch", indexOffset)
        }
        var index: [BlockIndexEntry] = []
        index.reserveCapacity(Int(footer.blockCount))
        indexBytes.withUnsafeBytes { raw in
            for i in 0..<Int(footer.blockCount) {
                index.append(BlockIndexEntry.decode(raw, at: i * BlockIndexEntry.sizeBytes))
            }
        }
        // Entries must increase and stay inside the frame.
        guard index[0].fileOffset == UInt64(SealedFormat.frameHeaderSizeBytes), index[0].rawOffset == 0,
            index[0].firstSeq == footer.baseSeq, index[0].chainBefore == footer.previousChain
        else { throw corrupt("first block index entry inconsistent", indexOffset) }
        for i in 1..<index.count {
            guard index[i].fileOffset > index[i - 1].fileOffset + 4, index[i].fileOffset < endMarkOffset,
                index[i].rawOffset > index[i - 1].rawOffset, index[i].rawOffset < footer.rawSizeBytes,
                index[i].firstSeq > index[i - 1].firstSeq, index[i].firstSeq <= footer.lastSeq
            else {
                throw corrupt(
                    "block index entry \(i) inconsistent", indexOffset + UInt64(i * BlockIndexEntry.sizeBytes))
            }
        }
        return SealedLayout(footer: footer, index: index, fileSizeBytes: fileSizeBytes, endMarkOffset: endMarkOffset)
    }

    /// Index of the block holding `seq` (the last block whose first seq is ≤ seq).
    func blockIndex(for seq: UInt64) -> Int {
        var low = 0
        var high = index.count - 1
        while low < high {
            let mid = (low + high + 1) / 2
            if index[mid].firstSeq <= seq { low = mid } else { high = mid - 1 }
        }
        return low
    }
}

func readExactly(_ storage: any LogStorage, _ file: FileID, _ buffer: inout [UInt8], at offset: UInt64, name: String)
    throws(LogError)
{
    let count: Int
    do {
        count = try storage.read(file, into: &buffer, count: buffer.count, at: offset)
    } catch { throw LogError.from(error, "read", file: name) }
    guard count == buffer.count else {
        throw LogError(.corruptRecord, "\(name): unexpected end of file", file: name, offset: offset + UInt64(count))
    }
}
