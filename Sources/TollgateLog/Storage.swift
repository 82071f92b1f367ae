#if canImport(Glibc)
    import Glibc
#endif

/// A raw errno value (typed, like swift-system's `Errno`).
package struct Errno: Error, Sendable, Hashable {
    package var rawValue: Int32
    package init(_ rawValue: Int32) { self.rawValue = rawValue }
    package static var current: Errno { Errno(Glibc.errno) }
}

/// An open file of a `LogStorage`.
package struct FileID: Sendable, Hashable {
    package var rawValue: Int32
    package init(_ rawValue: Int32) { self.rawValue = rawValue }
}

package enum OpenMode: Sendable {
    case readOnly
    case readWrite
    /// Create a new file (fails if it exists), read-write.
    case createExclusive
    /// Open read-write, creating the file when missing.
    case createOrOpen
}

/// The narrow file-system interface the log uses. The real one is `PosixStorage`; tests wrap it to inject
/// faults (ENOSPC, failed fdatasync), and a later simulator can implement it in memory.
package protocol LogStorage: AnyObject, Sendable {
    func open(_ path: String, _ mode: OpenMode) throws(Errno) -> FileID
    func close(_ file: FileID)
    /// Writes all of `bytes` at `offset` (loops on short writes; a partial write may remain on error).
    func write(_ file: FileID, _ bytes: UnsafeRawBufferPointer, at offset: UInt64) throws(Errno)
    /// Reads up to `buffer.count` bytes at `offset`; returns fewer only at end of file.
    func read(_ file: FileID, into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64) throws(Errno) -> Int
    func sizeBytes(_ file: FileID) throws(Errno) -> UInt64
    func truncate(_ file: FileID, to sizeBytes: UInt64) throws(Errno)
    func datasync(_ file: FileID) throws(Errno)
    func sync(_ file: FileID) throws(Errno)
    func syncDirectory(_ path: String) throws(Errno)
    func rename(_ from: String, _ to: String) throws(Errno)
    func remove(_ path: String) throws(Errno)
    func makeDirectory(_ path: String) throws(Errno)
    /// Names (not paths) in a directory; `ENOENT` when it does not exist.
    func list(_ path: String) throws(Errno) -> [String]
    /// An exclusive advisory lock for the writer; released on close or process death.
    func lockExclusive(_ file: FileID) throws(Errno)
    /// Asks that clean cached pages of a range be dropped, so the next read of it comes from the device rather
    /// than from what the page cache remembers (used only to check a write on a rare path; sync first).
    func dropCachedPages(_ file: FileID, offset: UInt64, count: Int)
}

package final class PosixStorage: LogStorage {
    package static let shared = PosixStorage()
    package init() {}

    package func open(_ path: String, _ mode: OpenMode) throws(Errno) -> FileID {
        let flags: Int32
        switch mode {
        case .readOnly: flags = O_RDONLY | O_CLOEXEC
        case .readWrite: flags = O_RDWR | O_CLOEXEC
        case .createExclusive: flags = O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC
        case .createOrOpen: flags = O_RDWR | O_CREAT | O_CLOEXEC
        }
        while true {
            let fd = Glibc.open(path, flags, 0o644)
            if fd >= 0 { return FileID(fd) }
            if Glibc.errno != EINTR { throw Errno.current }
        }
    }

    package func close(_ file: FileID) { _ = Glibc.close(file.rawValue) }

    package func write(_ file: FileID, _ bytes: UnsafeRawBufferPointer, at offset: UInt64) throws(Errno) {
        var done = 0
        while done < bytes.count {
            let n = pwrite(file.rawValue, bytes.baseAddress! + done, bytes.count - done, off_t(offset) + off_t(done))
            if n < 0 {
                if Glibc.errno == EINTR { continue }
                throw Errno.current
            }
            precondition(n > 0, "pwrite returned 0")
            done += n
        }
    }

    package func read(_ file: FileID, into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64) throws(Errno)
        -> Int
    {
        var done = 0
        while done < buffer.count {
            let n = pread(file.rawValue, buffer.baseAddress! + done, buffer.count - done, off_t(offset) + off_t(done))
            if n < 0 {
                if Glibc.errno == EINTR { continue }
                throw Errno.current
            }
            if n == 0 { break }
            done += n
        }
        return done
    }

    package func sizeBytes(_ file: FileID) throws(Errno) -> UInt64 {
        var info = stat()
        guard fstat(file.rawValue, &info) == 0 else { throw Errno.current }
        return UInt64(info.st_size)
    }

    package func truncate(_ file: FileID, to sizeBytes: UInt64) throws(Errno) {
        guard ftruncate(file.rawValue, off_t(sizeBytes)) == 0 else { throw Errno.current }
    }

    package func datasync(_ file: FileID) throws(Errno) {
        guard fdatasync(file.rawValue) == 0 else { throw Errno.current }
    }

    package func sync(_ file: FileID) throws(Errno) {
        guard fsync(file.rawValue) == 0 else { throw Errno.current }
    }

    package func syncDirectory(_ path: String) throws(Errno) {
        let fd = Glibc.open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw Errno.current }
        defer { _ = Glibc.close(fd) }
        guard fsync(fd) == 0 else { throw Errno.current }
    }

    package func rename(_ from: String, _ to: String) throws(Errno) {
        guard Glibc.rename(from, to) == 0 else { throw Errno.current }
    }

    package func remove(_ path: String) throws(Errno) {
        guard unlink(path) == 0 else { throw Errno.current }
    }

    package func makeDirectory(_ path: String) throws(Errno) {
        // mkdir -p
        var prefix = path.hasPrefix("/") ? "/" : ""
        for part in path.split(separator: "/") {
            prefix += part + "/"
            if mkdir(prefix, 0o755) != 0 && Glibc.errno != EEXIST { throw Errno.current }
        }
    }

    package func list(_ path: String) throws(Errno) -> [String] {
        guard let dir = opendir(path) else { throw Errno.current }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
            precondition(names.count <= LogLimits.segmentCountMax * 2 + 16, "too many files in \(path)")
        }
        return names
    }

    package func lockExclusive(_ file: FileID) throws(Errno) {
        guard flock(file.rawValue, LOCK_EX | LOCK_NB) == 0 else { throw Errno.current }
    }

    package func dropCachedPages(_ file: FileID, offset: UInt64, count: Int) {
        // Advisory: a failure only means the read may come from the cache.
        _ = posix_fadvise(file.rawValue, off_t(offset), off_t(count), POSIX_FADV_DONTNEED)
    }
}

extension LogStorage {
    /// Storages without a page cache of their own (in-memory, test wrappers) have nothing to drop.
    package func dropCachedPages(_ file: FileID, offset: UInt64, count: Int) {}

    /// Writes all of `bytes` at `offset`.
    func write(_ file: FileID, _ bytes: [UInt8], at offset: UInt64) throws(Errno) {
        let result: Result<Void, Errno> = bytes.withUnsafeBytes { raw in
            Result { () throws(Errno) in try self.write(file, raw, at: offset) }
        }
        try result.get()
    }

    /// Writes all of `bytes` at `offset`.
    func write(_ file: FileID, _ bytes: ArraySlice<UInt8>, at offset: UInt64) throws(Errno) {
        let result: Result<Void, Errno> = bytes.withUnsafeBytes { raw in
            Result { () throws(Errno) in try self.write(file, raw, at: offset) }
        }
        try result.get()
    }

    /// Writes `bytes` (a view the caller keeps alive) at `offset`.
    func write(_ file: FileID, view bytes: UnsafeRawBufferPointer, at offset: UInt64) throws(Errno) {
        try write(file, bytes, at: offset)
    }

    /// Reads into `buffer[0..<count]` at `offset`; returns the bytes read (fewer only at end of file).
    func read(_ file: FileID, into buffer: inout [UInt8], count: Int, at offset: UInt64) throws(Errno) -> Int {
        precondition(count <= buffer.count)
        let result: Result<Int, Errno> = buffer.withUnsafeMutableBytes { raw in
            Result { () throws(Errno) -> Int in
                try self.read(file, into: UnsafeMutableRawBufferPointer(rebasing: raw[0..<count]), at: offset)
            }
        }
        return try result.get()
    }
}
