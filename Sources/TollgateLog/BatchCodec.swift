/// Encodes and validates one batch (header + records). Pure: no I/O.
enum BatchCodec {
    /// Size of the batch `records` would encode to.
    static func encodedSizeBytes(_ records: [RecordInput]) -> Int {
        var sizeBytes = BatchHeader.sizeBytes
        for record in records { sizeBytes += RecordHeader.sizeBytes + record.body.count }
        return sizeBytes
    }

    /// Appends one batch to `buffer`. The caller has validated limits and time order.
    static func encode(
        _ records: [RecordInput], baseSeq: UInt64, chainBefore: UInt64, into buffer: inout [UInt8]
    ) -> BatchHeader {
        precondition(!records.isEmpty && records.count <= LogLimits.batchRecordCountMax)
        let start = buffer.count
        let baseTimeMs = records[0].timeMs
        buffer.append(contentsOf: repeatElement(0, count: BatchHeader.sizeBytes))
        var chain = chainBefore
        var seq = baseSeq
        var previousTimeMs = baseTimeMs
        for record in records {
            precondition(record.timeMs >= previousTimeMs, "record times must not decrease")
            precondition(record.body.count <= LogLimits.recordBodySizeBytesMax)
            let deltaMs = record.timeMs - baseTimeMs
            precondition(deltaMs >= 0 && deltaMs <= LogLimits.batchTimeSpanMillisecondsMax)
            let checksum = record.body.withUnsafeBytes {
                recordChecksum(seq: seq, timeMs: record.timeMs, type: record.type, body: $0)
            }
            buffer.appendLE(checksum)
            buffer.appendLE(UInt32(record.body.count))
            buffer.appendLE(UInt32(deltaMs))
            buffer.appendLE(record.type)
            buffer.append(contentsOf: record.body)
            chain = Chain.next(chain, checksum)
            previousTimeMs = record.timeMs
            seq += 1
        }
        let header = BatchHeader(
            batchSizeBytes: UInt32(buffer.count - start), recordCount: UInt32(records.count), baseSeq: baseSeq,
            baseTimeMs: baseTimeMs, chainAfter: chain)
        precondition(Int(header.batchSizeBytes) <= LogLimits.batchSizeBytesMax)
        header.encode(into: &buffer, at: start)
        return header
    }

    struct Problem: Error {
        var offsetInBatch: Int
        var seq: UInt64
        var detail: String
        /// For a record checksum mismatch: where the failing record ends (its declared extent). A write cut short
        /// (zeros from some byte on, as a kill during `pwrite` into preallocated zeros leaves) fails exactly so,
        /// with no non-zero byte from some offset before this one to the end of the file; a flipped bit does not.
        var recordEndInBatch: Int? = nil
    }

    /// Checks every record of a whole batch (`bytes` is exactly `header.batchSizeBytes` long): checksums, sizes
    /// that end exactly at the batch end, non-decreasing times, and the chain ending at `header.chainAfter`.
    static func validate(
        _ bytes: UnsafeRawBufferPointer, header: BatchHeader, chainBefore: UInt64, previousTimeMs: Int64?,
        lastTimeMs: inout Int64
    ) -> Problem? {
        precondition(bytes.count == Int(header.batchSizeBytes))
        if let previousTimeMs, header.baseTimeMs < previousTimeMs {
            return Problem(
                offsetInBatch: 0, seq: header.baseSeq,
                detail: "batch time \(header.baseTimeMs) ms before previous record's \(previousTimeMs) ms")
        }
        var offset = BatchHeader.sizeBytes
        var chain = chainBefore
        var previousDeltaMs: UInt32 = 0
        for index in 0..<Int(header.recordCount) {
            let seq = header.baseSeq + UInt64(index)
            guard bytes.count - offset >= RecordHeader.sizeBytes else {
                return Problem(offsetInBatch: offset, seq: seq, detail: "record header runs past batch end")
            }
            let checksum = bytes.getUInt32(at: offset)
            let bodySizeBytes = Int(bytes.getUInt32(at: offset + 4))
            let deltaMs = bytes.getUInt32(at: offset + 8)
            let type = bytes.getUInt8(at: offset + 12)
            guard bodySizeBytes <= bytes.count - offset - RecordHeader.sizeBytes,
                bodySizeBytes <= LogLimits.recordBodySizeBytesMax
            else {
                return Problem(
                    offsetInBatch: offset, seq: seq, detail: "record body size \(bodySizeBytes) runs past batch end")
            }
            let body = bytes.slice(offset + RecordHeader.sizeBytes, bodySizeBytes)
            let timeMs = header.baseTimeMs &+ Int64(deltaMs)
            guard checksum == recordChecksum(seq: seq, timeMs: timeMs, type: type, body: body) else {
                return Problem(
                    offsetInBatch: offset, seq: seq, detail: "record checksum mismatch",
                    recordEndInBatch: offset + RecordHeader.sizeBytes + bodySizeBytes)
            }
            guard index == 0 ? deltaMs == 0 : deltaMs >= previousDeltaMs else {
                return Problem(offsetInBatch: offset, seq: seq, detail: "record time decreases")
            }
            previousDeltaMs = deltaMs
            chain = Chain.next(chain, checksum)
            offset += RecordHeader.sizeBytes + bodySizeBytes
        }
        guard offset == bytes.count else {
            return Problem(
                offsetInBatch: offset, seq: header.lastSeq, detail: "batch has \(bytes.count - offset) trailing bytes")
        }
        lastTimeMs = header.baseTimeMs &+ Int64(previousDeltaMs)
        guard chain == header.chainAfter else {
            return Problem(
                offsetInBatch: 0, seq: header.baseSeq,
                detail: "hash chain mismatch (record deleted, duplicated or reordered?)")
        }
        return nil
    }

    /// Decodes the record at `offset` of a batch already validated. Returns the record and the next offset.
    static func record(
        in bytes: UnsafeRawBufferPointer, at offset: Int, header: BatchHeader, index: Int
    ) -> (LogRecord, Int) {
        let (view, nextOffset) = recordView(in: bytes, at: offset, header: header, index: index)
        return (view.record, nextOffset)
    }

    /// ``record(in:at:header:index:)`` without copying the body: the view points into `bytes`.
    @inline(__always)
    static func recordView(
        in bytes: UnsafeRawBufferPointer, at offset: Int, header: BatchHeader, index: Int
    ) -> (LogRecordView, Int) {
        let checksum = bytes.getUInt32(at: offset)
        let bodySizeBytes = Int(bytes.getUInt32(at: offset + 4))
        let deltaMs = bytes.getUInt32(at: offset + 8)
        let type = bytes.getUInt8(at: offset + 12)
        let view = LogRecordView(
            seq: header.baseSeq + UInt64(index), timeMs: header.baseTimeMs &+ Int64(deltaMs), type: type,
            checksum: checksum, body: bytes.slice(offset + RecordHeader.sizeBytes, bodySizeBytes))
        return (view, offset + RecordHeader.sizeBytes + bodySizeBytes)
    }
}
