import Foundation
import Testing

@testable import TollgateLog

/// A temporary directory removed at deinit.
final class TemporaryDirectory {
    let path: String

    init(_ label: String = "log") {
        let base = FileManager.default.temporaryDirectory.path
        path = base + "/tollgate-test-\(label)-\(UUID().uuidString)"
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func file(_ name: String) -> String { path + "/" + name }

    var segmentNames: [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: path))?.filter { SegmentName.parse($0) != nil }.sorted()
            ?? []
    }

    func bytes(_ name: String) -> [UInt8] { [UInt8](FileManager.default.contents(atPath: file(name))!) }

    func write(_ name: String, _ bytes: [UInt8]) {
        try! Data(bytes).write(to: URL(fileURLWithPath: file(name)))
    }

    /// Copies every file of `source` into this directory.
    func copyFiles(from source: String) {
        for name in try! FileManager.default.contentsOfDirectory(atPath: source) {
            try! FileManager.default.copyItem(atPath: source + "/" + name, toPath: file(name))
        }
    }
}

/// swift-argument-parser's `Examples/roll/SplitMix64.swift`: one seed sets every parameter.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z &>> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z &>> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z &>> 31)
    }
}

/// Random records: bodies 0–`bodySizeBytesMax` bytes, half of them compressible, times non-decreasing.
struct RecordFactory {
    var random: SplitMix64
    var timeMs: Int64 = 1_700_000_000_000
    var bodySizeBytesMax = 80

    init(seed: UInt64) { random = SplitMix64(seed: seed) }

    mutating func record() -> RecordInput {
        timeMs += Int64(random.next() % 4)
        let size = Int(random.next() % UInt64(bodySizeBytesMax + 1))
        var body = [UInt8](repeating: 0, count: size)
        let compressible = random.next() % 2 == 0
        for i in 0..<size {
            body[i] = compressible ? UInt8(truncatingIfNeeded: i % 7 + 97) : UInt8(truncatingIfNeeded: random.next())
        }
        return RecordInput(timeMs: timeMs, type: UInt8(truncatingIfNeeded: random.next() % 16), body: body)
    }

    mutating func batch(countMax: Int) -> [RecordInput] {
        let count = 1 + Int(random.next() % UInt64(countMax))
        return (0..<count).map { _ in record() }
    }
}

extension RecordInput {
    func expected(seq: UInt64) -> LogRecord {
        let checksum = body.withUnsafeBytes { recordChecksum(seq: seq, timeMs: timeMs, type: type, body: $0) }
        return LogRecord(seq: seq, timeMs: timeMs, type: type, body: body, checksum: checksum)
    }
}

/// Reads every record from `fromSeq` on.
func readAll(_ directory: String, fromSeq: UInt64 = 1) throws -> [LogRecord] {
    var reader = try LogReader(directory: directory, fromSeq: fromSeq)
    var records: [LogRecord] = []
    while let record = try reader.next() { records.append(record) }
    return records
}

/// Appends `batches` and returns the expected records.
@discardableResult
func appendAll(_ log: Log, _ batches: [[RecordInput]]) throws -> [LogRecord] {
    var expected: [LogRecord] = []
    for batch in batches {
        let firstSeq = try log.append(batch)
        for (i, record) in batch.enumerated() { expected.append(record.expected(seq: firstSeq + UInt64(i))) }
    }
    return expected
}

/// Root of the package (for Fixtures/).
let packageRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    url.deleteLastPathComponent()  // TollgateLogTests
    url.deleteLastPathComponent()  // Tests
    url.deleteLastPathComponent()  // root
    return url.path
}()

/// A storage that forwards to the real file system and injects faults: ENOSPC after a write budget, a failing
/// fdatasync/fsync; it also counts syncs (group commit).
final class FaultyStorage: LogStorage, @unchecked Sendable {
    private let base = PosixStorage()
    private let lock = NSLock()
    private var _writeBudgetBytes: Int?
    private var _failSyncs = false
    private var _failSegmentCreation = false
    private var _datasyncCount = 0
    private var _misdirectNextWriteByBytes: UInt64?
    private var _failNextWriteAfterBytes: Int?

    /// Bytes that may still be written before writes fail with ENOSPC (nil: unlimited).
    var writeBudgetBytes: Int? {
        get { lock.withLock { _writeBudgetBytes } }
        set { lock.withLock { _writeBudgetBytes = newValue } }
    }
    var failSyncs: Bool {
        get { lock.withLock { _failSyncs } }
        set { lock.withLock { _failSyncs = newValue } }
    }
    var datasyncCount: Int { lock.withLock { _datasyncCount } }
    /// The next write lands this many bytes past its offset (a misdirected write: past the end of a file its own
    /// range reads as zeros).
    var misdirectNextWriteByBytes: UInt64? {
        get { lock.withLock { _misdirectNextWriteByBytes } }
        set { lock.withLock { _misdirectNextWriteByBytes = newValue } }
    }
    /// The next write stores this many bytes, then fails with ENOSPC; later writes work again.
    var failNextWriteAfterBytes: Int? {
        get { lock.withLock { _failNextWriteAfterBytes } }
        set { lock.withLock { _failNextWriteAfterBytes = newValue } }
    }
    /// Creating a new raw segment fails with ENOSPC.
    var failSegmentCreation: Bool {
        get { lock.withLock { _failSegmentCreation } }
        set { lock.withLock { _failSegmentCreation = newValue } }
    }

    func open(_ path: String, _ mode: OpenMode) throws(Errno) -> FileID {
        if mode == .createExclusive, path.hasSuffix(".log"), failSegmentCreation { throw Errno(28) }
        return try base.open(path, mode)
    }
    func close(_ file: FileID) { base.close(file) }
    func write(_ file: FileID, _ bytes: UnsafeRawBufferPointer, at offset: UInt64) throws(Errno) {
        let (allowed, shift): (Int, UInt64) = lock.withLock {
            let shift = _misdirectNextWriteByBytes ?? 0
            _misdirectNextWriteByBytes = nil
            var allowed = bytes.count
            if let once = _failNextWriteAfterBytes {
                allowed = min(once, allowed)
                _failNextWriteAfterBytes = nil
            }
            if let budget = _writeBudgetBytes {
                allowed = min(budget, allowed)
                _writeBudgetBytes = budget - allowed
            }
            return (allowed, shift)
        }
        try base.write(file, UnsafeRawBufferPointer(rebasing: bytes[0..<allowed]), at: offset + shift)
        if allowed < bytes.count { throw Errno(28) }  // ENOSPC, after a partial write
    }
    func read(_ file: FileID, into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64) throws(Errno) -> Int {
        try base.read(file, into: buffer, at: offset)
    }
    func sizeBytes(_ file: FileID) throws(Errno) -> UInt64 { try base.sizeBytes(file) }
    func truncate(_ file: FileID, to sizeBytes: UInt64) throws(Errno) { try base.truncate(file, to: sizeBytes) }
    func datasync(_ file: FileID) throws(Errno) {
        if failSyncs { throw Errno(5) }  // EIO
        lock.withLock { _datasyncCount += 1 }
        try base.datasync(file)
    }
    func sync(_ file: FileID) throws(Errno) {
        if failSyncs { throw Errno(5) }
        try base.sync(file)
    }
    func syncDirectory(_ path: String) throws(Errno) {
        if failSyncs { throw Errno(5) }
        try base.syncDirectory(path)
    }
    func rename(_ from: String, _ to: String) throws(Errno) { try base.rename(from, to) }
    func remove(_ path: String) throws(Errno) { try base.remove(path) }
    func makeDirectory(_ path: String) throws(Errno) { try base.makeDirectory(path) }
    func list(_ path: String) throws(Errno) -> [String] { try base.list(path) }
    func lockExclusive(_ file: FileID) throws(Errno) { try base.lockExclusive(file) }
}

/// The real file system without `fsync`/`fdatasync`: for tests of formats and recovery logic that loop over many
/// opens and seals, where a slow shared disk (~200 fsyncs/s) would dominate. Durability itself is tested with
/// `PosixStorage` (`FaultTests`, `RoundTripTests.emptyLog`, `SealingTests`, `tools/crash-test`).
final class NoSyncStorage: LogStorage, @unchecked Sendable {
    private let base = PosixStorage()
    func open(_ path: String, _ mode: OpenMode) throws(Errno) -> FileID { try base.open(path, mode) }
    func close(_ file: FileID) { base.close(file) }
    func write(_ file: FileID, _ bytes: UnsafeRawBufferPointer, at offset: UInt64) throws(Errno) {
        try base.write(file, bytes, at: offset)
    }
    func read(_ file: FileID, into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64) throws(Errno) -> Int {
        try base.read(file, into: buffer, at: offset)
    }
    func sizeBytes(_ file: FileID) throws(Errno) -> UInt64 { try base.sizeBytes(file) }
    func truncate(_ file: FileID, to sizeBytes: UInt64) throws(Errno) { try base.truncate(file, to: sizeBytes) }
    func datasync(_ file: FileID) throws(Errno) {}
    func sync(_ file: FileID) throws(Errno) {}
    func syncDirectory(_ path: String) throws(Errno) {}
    func rename(_ from: String, _ to: String) throws(Errno) { try base.rename(from, to) }
    func remove(_ path: String) throws(Errno) { try base.remove(path) }
    func makeDirectory(_ path: String) throws(Errno) { try base.makeDirectory(path) }
    func list(_ path: String) throws(Errno) -> [String] { try base.list(path) }
    func lockExclusive(_ file: FileID) throws(Errno) { try base.lockExclusive(file) }
}

let noSync = NoSyncStorage()

/// `Log.open` without fsyncs (see `NoSyncStorage`).
func openFast(_ directory: String, _ configuration: LogConfiguration = .init()) throws(LogError) -> Log {
    try Log.open(directory: directory, configuration: configuration, storage: noSync)
}

extension LogReader {
    /// Reads one chunk the way a verified replay's reader does: at most `chunkRecordCount` records, a record at a
    /// time or (`batched`, as the replay reads) a batch at a time, stopping at the first record past `stopSeq` (it
    /// counts as taken, and `atBound` is set). Each record taken before the bound goes to `body`. True when it
    /// stopped (a full chunk or the bound), false at the end of the log.
    mutating func readChunk(
        chunkRecordCount: Int, stopSeq: UInt64?, batched: Bool, atBound: inout Bool,
        _ body: (LogRecordView) -> Void = { _ in }
    ) throws(LogError) -> Bool {
        var count = 0
        var reachedBound = false
        func take(_ record: LogRecordView) -> Bool {
            if let stopSeq, record.seq > stopSeq {
                reachedBound = true
                return false
            }
            body(record)
            count += 1
            return count < chunkRecordCount
        }
        defer { if reachedBound { atBound = true } }
        guard batched else { return try withEach(take) }
        return try withEachBatch { batch in
            var taken = 0
            for record in batch {  // Bounded by the batch's records.
                taken += 1
                if !take(record) { return LogRecordBatch.Progress(recordCount: taken, stopped: true) }
            }
            return LogRecordBatch.Progress(recordCount: taken, stopped: false)
        }
    }
}
