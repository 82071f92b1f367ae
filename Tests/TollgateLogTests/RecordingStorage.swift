import Foundation

@testable import TollgateLog

/// Real files (`PosixStorage`) that record every write, `fdatasync` and durable write, and can hold or fail the
/// next durable I/O. Durable writes go to `PosixStorage.writeDurably` (one `pwritev2(RWF_DSYNC)`), or with
/// `defaultDurableWrite` through the protocol's default (`write` of each chunk, then `datasync`).
final class RecordingStorage: LogStorage, @unchecked Sendable {
    /// How the next durable write fails.
    enum DurableWriteFault: Sendable {
        /// Before anything is written (EIO).
        case beforeWriting
        /// After the bytes were written, as a failed sync of their range (EIO).
        case afterWriting
    }

    private let base = PosixStorage()
    private let lock = NSCondition()
    private let defaultDurableWrite: Bool
    private var _writeCount = 0
    private var _datasyncCount = 0
    private var _durableWriteChunkCounts: [Int] = []
    private var _nextDurableWriteFault: DurableWriteFault?
    private var holdNext = false
    private var held = false
    private var released = false

    init(defaultDurableWrite: Bool = false) { self.defaultDurableWrite = defaultDurableWrite }

    /// Plain writes (zeros, batches written one by one, segment headers, seals), durable writes not included
    /// unless they go through the default.
    var writeCount: Int { lock.withLock { _writeCount } }
    var datasyncCount: Int { lock.withLock { _datasyncCount } }
    /// The chunk count of every durable write, in order.
    var durableWriteChunkCounts: [Int] { lock.withLock { _durableWriteChunkCounts } }
    var nextDurableWriteFault: DurableWriteFault? {
        get { lock.withLock { _nextDurableWriteFault } }
        set { lock.withLock { _nextDurableWriteFault = newValue } }
    }

    /// The next durable write or `fdatasync` waits, once it has started, until `releaseHeld()`.
    func holdNextDurableIO() {
        lock.withLock {
            holdNext = true
            held = false
            released = false
        }
    }

    /// Waits (bounded) until the held call has started; false on timeout.
    func waitUntilHeld(timeoutSeconds: Double = 30) -> Bool {
        let deadline = Date(timeIntervalSinceNow: timeoutSeconds)
        return lock.withLock {
            while !held { if !lock.wait(until: deadline) { return false } }
            return true
        }
    }

    func releaseHeld() {
        lock.withLock {
            released = true
            lock.broadcast()
        }
    }

    private func holdIfAsked() {
        lock.withLock {
            guard holdNext else { return }
            holdNext = false
            held = true
            lock.broadcast()
            // Bounded: a test that forgets to release fails instead of hanging.
            let deadline = Date(timeIntervalSinceNow: 60)
            while !released { if !lock.wait(until: deadline) { break } }
        }
    }

    func writeDurably(_ file: FileID, _ chunks: [[UInt8]], at offset: UInt64) throws(Errno) {
        let fault: DurableWriteFault? = lock.withLock {
            _durableWriteChunkCounts.append(chunks.count)
            defer { _nextDurableWriteFault = nil }
            return _nextDurableWriteFault
        }
        holdIfAsked()
        if fault == .beforeWriting { throw Errno(EIO) }
        if fault == .afterWriting {
            try finishDurableWrite(file, chunks, at: offset, writtenBytes: 0)
            throw Errno(EIO)
        }
        if defaultDurableWrite {
            // The protocol's default, spelled out (an override cannot call it).
            try finishDurableWrite(file, chunks, at: offset, writtenBytes: 0)
        } else {
            try base.writeDurably(file, chunks, at: offset)
        }
    }

    func datasync(_ file: FileID) throws(Errno) {
        lock.withLock { _datasyncCount += 1 }
        holdIfAsked()
        try base.datasync(file)
    }

    func write(_ file: FileID, _ bytes: UnsafeRawBufferPointer, at offset: UInt64) throws(Errno) {
        lock.withLock { _writeCount += 1 }
        try base.write(file, bytes, at: offset)
    }

    func open(_ path: String, _ mode: OpenMode) throws(Errno) -> FileID { try base.open(path, mode) }
    func close(_ file: FileID) { base.close(file) }
    func read(_ file: FileID, into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64) throws(Errno) -> Int {
        try base.read(file, into: buffer, at: offset)
    }
    func sizeBytes(_ file: FileID) throws(Errno) -> UInt64 { try base.sizeBytes(file) }
    func truncate(_ file: FileID, to sizeBytes: UInt64) throws(Errno) { try base.truncate(file, to: sizeBytes) }
    func sync(_ file: FileID) throws(Errno) { try base.sync(file) }
    func syncDirectory(_ path: String) throws(Errno) { try base.syncDirectory(path) }
    func rename(_ from: String, _ to: String) throws(Errno) { try base.rename(from, to) }
    func remove(_ path: String) throws(Errno) { try base.remove(path) }
    func makeDirectory(_ path: String) throws(Errno) { try base.makeDirectory(path) }
    func list(_ path: String) throws(Errno) -> [String] { try base.list(path) }
    func lockExclusive(_ file: FileID) throws(Errno) { try base.lockExclusive(file) }
}
