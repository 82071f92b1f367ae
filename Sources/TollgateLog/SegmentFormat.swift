/// Format v1 byte layouts (docs/log-format.md is the reference; keep the two in step).
enum FormatV1 {
    static let version: UInt16 = 1
}

/// The 32-byte header that starts every segment's raw content (the `.log` file, or the decompressed `.log.lz4`).
struct SegmentHeader: Equatable {
    static let sizeBytes = 32
    static let magic: UInt32 = 0x534C_4754  // "TGLS"
    /// First seq of the segment (also its file name).
    var baseSeq: UInt64
    /// Chain value before the segment's first record (the previous segment's last chain, or `Chain.genesis`).
    var previousChain: UInt64

    func encode(into buffer: inout [UInt8]) {
        let start = buffer.count
        buffer.appendLE(Self.magic)
        buffer.appendLE(FormatV1.version)
        buffer.appendLE(UInt16(0))  // flags, reserved
        buffer.appendLE(baseSeq)
        buffer.appendLE(previousChain)
        buffer.appendLE(UInt32(0))  // reserved
        let crc = buffer.withUnsafeBytes { CRC32C.update(0, $0.slice(start, 28)) }
        buffer.appendLE(crc)
        assert(buffer.count - start == Self.sizeBytes)
    }

    /// Returns nil with a reason when the bytes are not a valid v1 header.
    static func decode(_ bytes: UnsafeRawBufferPointer) -> Result<SegmentHeader, HeaderProblem> {
        guard bytes.count >= sizeBytes else { return .failure(.short) }
        guard bytes.getUInt32(at: 28) == CRC32C.update(0, bytes.slice(0, 28)) else {
            return .failure(.bad("segment header checksum mismatch"))
        }
        guard bytes.getUInt32(at: 0) == magic else { return .failure(.bad("segment header magic mismatch")) }
        guard bytes.getUInt16(at: 4) == FormatV1.version else {
            return .failure(.bad("unsupported segment format version \(bytes.getUInt16(at: 4))"))
        }
        guard bytes.getUInt16(at: 6) == 0, bytes.getUInt32(at: 24) == 0 else {
            return .failure(.bad("segment header reserved bytes not zero"))
        }
        return .success(SegmentHeader(baseSeq: bytes.getUInt64(at: 8), previousChain: bytes.getUInt64(at: 16)))
    }
}

enum HeaderProblem: Error, Equatable {
    case short
    case bad(String)
}

/// The 40-byte header of a batch: everything its records share. One `append` call is one batch.
///
///     0  checksum       UInt32  CRC32C of bytes 4..<40
///     4  magic          UInt32  "TGLB"
///     8  batchSizeBytes UInt32  header + records
///     12 recordCount    UInt32
///     16 baseSeq        UInt64  seq of the first record; record i has baseSeq + i
///     24 baseTimeMs     Int64   time of the first record
///     32 chainAfter     UInt64  chain value after the last record
struct BatchHeader: Equatable {
    static let sizeBytes = 40
    static let magic: UInt32 = 0x424C_4754  // "TGLB"
    var batchSizeBytes: UInt32
    var recordCount: UInt32
    var baseSeq: UInt64
    var baseTimeMs: Int64
    var chainAfter: UInt64

    var lastSeq: UInt64 { baseSeq + UInt64(recordCount) - 1 }

    func encode(into buffer: inout [UInt8], at start: Int) {
        precondition(start + Self.sizeBytes <= buffer.count)
        buffer.withUnsafeMutableBytes { raw in
            raw.storeBytes(of: Self.magic.littleEndian, toByteOffset: start + 4, as: UInt32.self)
            raw.storeBytes(of: batchSizeBytes.littleEndian, toByteOffset: start + 8, as: UInt32.self)
            raw.storeBytes(of: recordCount.littleEndian, toByteOffset: start + 12, as: UInt32.self)
            raw.storeBytes(of: baseSeq.littleEndian, toByteOffset: start + 16, as: UInt64.self)
            raw.storeBytes(of: UInt64(bitPattern: baseTimeMs).littleEndian, toByteOffset: start + 24, as: UInt64.self)
            raw.storeBytes(of: chainAfter.littleEndian, toByteOffset: start + 32, as: UInt64.self)
            let crc = CRC32C.update(0, UnsafeRawBufferPointer(raw).slice(start + 4, Self.sizeBytes - 4))
            raw.storeBytes(of: crc.littleEndian, toByteOffset: start, as: UInt32.self)
        }
    }

    static func decode(_ bytes: UnsafeRawBufferPointer) -> Result<BatchHeader, HeaderProblem> {
        guard bytes.count >= sizeBytes else { return .failure(.short) }
        guard bytes.getUInt32(at: 0) == CRC32C.update(0, bytes.slice(4, sizeBytes - 4)) else {
            return .failure(.bad("batch header checksum mismatch"))
        }
        guard bytes.getUInt32(at: 4) == magic else { return .failure(.bad("batch header magic mismatch")) }
        let header = BatchHeader(
            batchSizeBytes: bytes.getUInt32(at: 8), recordCount: bytes.getUInt32(at: 12),
            baseSeq: bytes.getUInt64(at: 16), baseTimeMs: bytes.getInt64(at: 24), chainAfter: bytes.getUInt64(at: 32))
        guard header.recordCount >= 1, header.recordCount <= LogLimits.batchRecordCountMax else {
            return .failure(.bad("batch record count \(header.recordCount) out of range"))
        }
        let sizeMin = UInt64(sizeBytes) + UInt64(header.recordCount) * UInt64(RecordHeader.sizeBytes)
        guard UInt64(header.batchSizeBytes) >= sizeMin, Int(header.batchSizeBytes) <= LogLimits.batchSizeBytesMax
        else { return .failure(.bad("batch size \(header.batchSizeBytes) out of range")) }
        guard header.baseSeq >= 1, header.baseSeq <= UInt64.max - UInt64(header.recordCount) else {
            return .failure(.bad("batch base seq \(header.baseSeq) out of range"))
        }
        return .success(header)
    }
}

/// The 13-byte header of one record inside a batch, followed by the body.
///
///     0  checksum      UInt32  CRC32C(seq u64, timeMs i64, type u8, bodySizeBytes u32, body)
///     4  bodySizeBytes UInt32
///     8  timeDeltaMs   UInt32  timeMs - batch baseTimeMs
///     12 type          UInt8
enum RecordHeader {
    static let sizeBytes = 13
}

/// Segment file names: 20-digit zero-padded base seq, suffix per state (Kafka's `LogFileUtils`).
enum SegmentName {
    static let rawSuffix = ".log"
    static let sealedSuffix = ".log.lz4"
    static let sealingSuffix = ".log.lz4.tmp"
    static let recoveringSuffix = ".log.recover"
    static let lockName = "LOCK"

    static func raw(_ baseSeq: UInt64) -> String { padded(baseSeq) + rawSuffix }
    static func sealed(_ baseSeq: UInt64) -> String { padded(baseSeq) + sealedSuffix }
    static func sealing(_ baseSeq: UInt64) -> String { padded(baseSeq) + sealingSuffix }
    static func recovering(_ baseSeq: UInt64) -> String { padded(baseSeq) + recoveringSuffix }

    static func padded(_ value: UInt64) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, 20 - digits.count)) + digits
    }

    enum Kind { case raw, sealed, sealing, recovering }

    /// Parses `NNNNNNNNNNNNNNNNNNNN.log[.lz4[.tmp]]`; nil for any other name.
    static func parse(_ name: String) -> (baseSeq: UInt64, kind: Kind)? {
        let utf8 = Array(name.utf8)
        guard utf8.count > 20, utf8[0..<20].allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        guard let baseSeq = UInt64(String(decoding: utf8[0..<20], as: UTF8.self)), baseSeq >= 1 else { return nil }
        switch String(decoding: utf8[20...], as: UTF8.self) {
        case rawSuffix: return (baseSeq, .raw)
        case sealedSuffix: return (baseSeq, .sealed)
        case sealingSuffix: return (baseSeq, .sealing)
        case recoveringSuffix: return (baseSeq, .recovering)
        default: return nil
        }
    }
}
