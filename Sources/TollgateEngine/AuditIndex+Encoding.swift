import TollgateLog

/// The bytes of an audit index file (little-endian):
///
/// | field | type |
/// |---|---|
/// | magic `TGAI` (0x49414754) | u32 |
/// | version (1) | u16 |
/// | reserved (0) | u16 |
/// | segment size in bytes | u64 |
/// | CRC32C of the segment's sealed footer | u32 |
/// | base seq, last seq | i64, i64 |
/// | initiator count | u32 |
/// | per initiator, ascending: name length u8 (1–128), name, posting count u32, postings (seq i64, time ms i64) | |
/// | checksum: CRC32C of every byte before it | u32 |
extension AuditIndex {
    static let magic: UInt32 = 0x4941_4754
    static let version: UInt16 = 1

    public func encoded() -> [UInt8] {
        var bytes: [UInt8] = []
        func put<T: FixedWidthInteger>(_ value: T) {
            withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
        }
        put(Self.magic)
        put(Self.version)
        put(UInt16(0))
        put(segmentSizeBytes)
        put(segmentChecksum)
        put(baseSeq)
        put(lastSeq)
        put(UInt32(postings.count))
        for initiator in postings.keys.sorted() {
            let name = Array(initiator.utf8)
            precondition((1...128).contains(name.count), "initiators are identifiers")
            put(UInt8(name.count))
            bytes.append(contentsOf: name)
            let list = postings[initiator]!
            put(UInt32(list.count))
            for posting in list {
                put(posting.seq)
                put(posting.timeMs)
            }
        }
        put(CRC32C.checksum(bytes))
        return bytes
    }

    /// Decodes and checks an index file; nil for anything malformed (a bad index is rebuilt, never repaired).
    public static func decode(_ bytes: [UInt8], segmentName: String) -> AuditIndex? {
        guard bytes.count >= 44 else { return nil }
        let body = bytes[..<(bytes.count - 4)]
        var offset = 0
        func get<T: FixedWidthInteger>(_: T.Type) -> T? {
            let size = MemoryLayout<T>.size
            guard offset + size <= body.count else { return nil }
            var value: T = 0
            for index in 0..<size { value |= T(truncatingIfNeeded: body[body.startIndex + offset + index]) << (8 * index) }
            offset += size
            return value
        }
        var stored: UInt32 = 0
        for index in 0..<4 { stored |= UInt32(bytes[bytes.count - 4 + index]) << (8 * index) }
        guard stored == CRC32C.checksum(body),
            get(UInt32.self) == magic, get(UInt16.self) == version, get(UInt16.self) == 0,
            let sizeBytes = get(UInt64.self), let checksum = get(UInt32.self), let base = get(Int64.self),
            let last = get(Int64.self), let initiatorCount = get(UInt32.self), base >= 1, last >= base
        else { return nil }
        var postings: [String: [Posting]] = [:]
        var total = 0
        var previousName: String?
        for _ in 0..<initiatorCount {
            guard let length = get(UInt8.self), (1...128).contains(length), offset + Int(length) <= body.count else {
                return nil
            }
            let name = String(decoding: body[(body.startIndex + offset)..<(body.startIndex + offset + Int(length))], as: UTF8.self)
            offset += Int(length)
            guard previousName.map({ $0 < name }) ?? true, let count = get(UInt32.self) else { return nil }
            previousName = name
            total += Int(count)
            guard total <= postingCountMax, offset + Int(count) * 16 <= body.count else { return nil }
            var list: [Posting] = []
            list.reserveCapacity(Int(count))
            for _ in 0..<count {
                guard let seq = get(Int64.self), let time = get(Int64.self), seq >= base, seq <= last,
                    list.last.map({ $0.seq < seq }) ?? true
                else { return nil }
                list.append(Posting(seq: seq, timeMs: time))
            }
            postings[name] = list
        }
        guard offset == body.count else { return nil }
        return AuditIndex(
            segmentName: segmentName, segmentSizeBytes: sizeBytes, segmentChecksum: checksum, baseSeq: base,
            lastSeq: last, postings: postings)
    }
}
