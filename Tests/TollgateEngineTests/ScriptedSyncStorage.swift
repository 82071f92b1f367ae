import Foundation
import TollgateLog

/// Real files whose `fdatasync`s can be held (to see what is shown while a batch syncs) and failed (EIO).
final class ScriptedSyncStorage: LogStorage, @unchecked Sendable {
    private let base = PosixStorage()
    private let lock = NSLock()
    private var holdNext = false
    private var failNext = false
    /// Signalled when a held `fdatasync` starts.
    let syncStarted = DispatchSemaphore(value: 0)
    /// Lets a held `fdatasync` finish (or fail, when `failNextSync()` was called).
    let release = DispatchSemaphore(value: 0)

    func holdNextSync() { lock.withLock { holdNext = true } }
    func failNextSync() { lock.withLock { failNext = true } }

    func datasync(_ file: FileID) throws(Errno) {
        let hold: Bool = lock.withLock {
            defer { holdNext = false }
            return holdNext
        }
        if hold {
            syncStarted.signal()
            release.wait()
        }
        let fail: Bool = lock.withLock {
            defer { failNext = false }
            return failNext
        }
        if fail { throw Errno(EIO) }
        try base.datasync(file)
    }
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
    func sync(_ file: FileID) throws(Errno) { try base.sync(file) }
    func syncDirectory(_ path: String) throws(Errno) { try base.syncDirectory(path) }
    func rename(_ from: String, _ to: String) throws(Errno) { try base.rename(from, to) }
    func remove(_ path: String) throws(Errno) { try base.remove(path) }
    func makeDirectory(_ path: String) throws(Errno) { try base.makeDirectory(path) }
    func list(_ path: String) throws(Errno) -> [String] { try base.list(path) }
    func lockExclusive(_ file: FileID) throws(Errno) { try base.lockExclusive(file) }
}
