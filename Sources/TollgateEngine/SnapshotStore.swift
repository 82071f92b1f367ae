#if canImport(Glibc)
    import Glibc
#endif
import TollgateBilling
import TollgateLog

/// The snapshot files of a log directory (`DIR/snapshots/<20-digit seq>.snapshot`): atomic writes, pruning, and
/// choosing the newest one that checks out against the log. Derived files: deleting the directory loses nothing
/// but opening time. Never writes a file of the log itself.
public struct SnapshotStore: Sendable {
    public static let directoryName = "snapshots"
    public static let fileSuffix = ".snapshot"
    /// Snapshots kept after a write (the newest ones): an older one is the fallback when the newest is damaged.
    public static let keepCountDefault = 3
    static let digitCount = 20

    /// The log directory.
    public let directory: String

    public init(directory: String) { self.directory = directory }

    public var snapshotDirectory: String { directory + "/" + Self.directoryName }

    public static func fileName(seq: Int64) -> String {
        let digits = String(seq)
        return String(repeating: "0", count: max(0, digitCount - digits.count)) + digits + fileSuffix
    }

    /// A snapshot file found in the directory (not yet read).
    public struct Entry: Sendable, Hashable {
        public var seq: Int64
        public var name: String
    }

    /// The snapshot files, newest (highest seq) first. Other names (temporary files) are ignored.
    public func list() -> [Entry] {
        guard let names = try? Self.names(in: snapshotDirectory) else { return [] }
        var entries: [Entry] = []
        for name in names where name.hasSuffix(Self.fileSuffix) {
            let digits = name.dropLast(Self.fileSuffix.count)
            guard digits.count == Self.digitCount, digits.allSatisfy({ $0 >= "0" && $0 <= "9" }),
                let seq = Int64(digits), seq >= 1
            else { continue }
            entries.append(Entry(seq: seq, name: name))
        }
        return entries.sorted { $0.seq > $1.seq }
    }

    /// Reads and checks one file (checksum and header; the state is decoded by ``Snapshot/state()``).
    public func read(_ entry: Entry) -> Result<Snapshot, Snapshot.DecodingError> {
        let path = snapshotDirectory + "/" + entry.name
        let parts: (header: [UInt8], state: [UInt8], trailer: [UInt8])
        do {
            parts = try Self.readSnapshotFile(path)
        } catch {
            return .failure(Snapshot.DecodingError(message: error.message))
        }
        switch Snapshot.decode(header: parts.header, stateBytes: parts.state, trailer: parts.trailer) {
        case .failure(let error): return .failure(error)
        case .success(let snapshot):
            guard snapshot.seq == entry.seq else {
                return .failure(Snapshot.DecodingError(message: "covers seq \(snapshot.seq), not the seq in its name"))
            }
            return .success(snapshot)
        }
    }

    /// Writes `snapshot` atomically (temporary file, fsync, rename, fsync of the directory), then deletes all but
    /// the newest `keepCount` snapshots.
    @discardableResult
    public func write(_ snapshot: Snapshot, keepCount: Int = keepCountDefault) throws(EngineError) -> String {
        precondition(keepCount >= 1)
        try Self.makeDirectory(snapshotDirectory, parent: directory)
        let name = Self.fileName(seq: snapshot.seq)
        let path = snapshotDirectory + "/" + name
        let temporary = path + ".tmp.\(getpid())"
        let bytes = snapshot.encoded()
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw Self.failure("create", temporary) }
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress! + written, $0.count - written) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else {
                let error = Self.failure("write", temporary)
                close(descriptor)
                unlink(temporary)
                throw error
            }
            written += count
        }
        guard fsync(descriptor) == 0 else {
            let error = Self.failure("fsync", temporary)
            close(descriptor)
            unlink(temporary)
            throw error
        }
        close(descriptor)
        guard rename(temporary, path) == 0 else {
            let error = Self.failure("rename", temporary)
            unlink(temporary)
            throw error
        }
        try Self.syncDirectory(snapshotDirectory)
        for entry in list().dropFirst(keepCount) { unlink(snapshotDirectory + "/" + entry.name) }
        return name
    }

    /// Deletes every snapshot file (and leftover temporary file); returns the names removed.
    public func removeAll() throws(EngineError) -> [String] {
        guard let names = try? Self.names(in: snapshotDirectory) else { return [] }
        var removed: [String] = []
        for name in names.sorted() where name.hasPrefix(".") == false {
            guard unlink(snapshotDirectory + "/" + name) == 0 else { throw Self.failure("unlink", name) }
            removed.append(name)
        }
        try Self.syncDirectory(snapshotDirectory)
        return removed
    }

    /// The newest snapshot file a fold up to `bound` could start from (not read).
    public func newestEntry(bound: Projection.Bound = .end) -> Entry? {
        list().first { entry in
            if case .seq(let last) = bound { return entry.seq <= last }
            return true
        }
    }

    /// The newest snapshot file read, checksummed and its state decoded, before any check that needs the log: the
    /// part of ``newestValid(billing:bound:warnings:decoded:)`` that can run beside `Log.open` (the engine does it
    /// on a second thread). Nothing is trusted here; `newestValid` still makes every check, in its usual order.
    public struct Candidate: Sendable {
        public var entry: Entry
        public var read: Result<Snapshot, Snapshot.DecodingError>
        /// The decoded state; nil when the file failed to read or would be passed over (configuration, bound).
        public var state: Result<State, Snapshot.DecodingError>?
    }

    /// Reads and decodes the newest snapshot file for `billing` and `bound` (see ``Candidate``); nil if none.
    public func decodeNewest(billing: BillingConfiguration, bound: Projection.Bound = .end) -> Candidate? {
        guard let entry = newestEntry(bound: bound) else { return nil }
        let read = read(entry)
        var state: Result<State, Snapshot.DecodingError>?
        if case .success(let snapshot) = read, snapshot.billing == billing {
            var passedOver = false
            if case .time(let last) = bound { passedOver = snapshot.lastTimeMs > last.millisecondsSinceEpoch }
            if !passedOver { state = snapshot.state() }
        }
        return Candidate(entry: entry, read: read, state: state)
    }

    /// The newest snapshot usable for a fold up to `bound` whose every check passes: checksum and layout, the
    /// billing configuration, a seq the log holds, the log's chain value at that seq, and a strictly decoded state.
    /// Each snapshot that fails a check is described in `warnings` and the next older one is tried; nil means a
    /// full replay. Snapshots beyond the bound are passed over without a warning.
    public func newestValid(billing: BillingConfiguration, bound: Projection.Bound = .end, warnings: inout [String])
        -> (state: State, snapshot: Snapshot)?
    {
        var decoded: Candidate?
        return newestValid(billing: billing, bound: bound, warnings: &warnings, decoded: &decoded)
    }

    /// ``newestValid(billing:bound:warnings:)`` given the newest file already read and decoded by
    /// ``decodeNewest(billing:bound:)`` (same billing and bound). The candidate is set to nil when its state is
    /// taken, so the state returned is the only reference to its storage: folding into it then copies nothing
    /// (with a second reference, the first charged debit folded would copy every column of the snapshot).
    package func newestValid(
        billing: BillingConfiguration, bound: Projection.Bound, warnings: inout [String], decoded: inout Candidate?
    ) -> (state: State, snapshot: Snapshot)? {
        for entry in list() {
            if case .seq(let last) = bound, entry.seq > last { continue }
            func skip(_ reason: String) {
                warnings.append("snapshot \(entry.name) skipped: \(reason)")
            }
            let useCandidate = decoded?.entry == entry
            let snapshot: Snapshot
            switch useCandidate ? decoded!.read : read(entry) {
            case .failure(let error):
                skip("\(error)")
                continue
            case .success(let read): snapshot = read
            }
            if case .time(let last) = bound, snapshot.lastTimeMs > last.millisecondsSinceEpoch { continue }
            guard snapshot.billing == billing else {
                skip(
                    "taken with credit_enforcement_enabled=\(snapshot.billing.creditEnforcementEnabled), "
                        + "configured \(billing.creditEnforcementEnabled)")
                continue
            }
            let chain: UInt64?
            do {
                chain = try LogReader.chainValue(directory: directory, atSeq: UInt64(snapshot.seq))
            } catch {
                skip("cannot read the log at seq \(snapshot.seq): \(error)")
                continue
            }
            guard let chain else {
                skip("covers seq \(snapshot.seq), beyond the last record of the log")
                continue
            }
            guard chain == snapshot.chain else {
                skip("chain value does not match the log at seq \(snapshot.seq) (the log was rewritten?)")
                continue
            }
            var decodedState: Result<State, Snapshot.DecodingError>?
            if useCandidate {
                decodedState = decoded!.state
                decoded = nil
            }
            switch decodedState ?? snapshot.state() {
            case .failure(let error):
                skip("\(error)")
                continue
            case .success(let state):
                return (state, snapshot)
            }
        }
        return nil
    }

    /// Folds the log (from the newest valid snapshot) and writes a snapshot of its end. Returns the snapshot, or
    /// nil when the log holds no record. Read-only on the log, safe next to a running writer.
    public func take(
        billing: BillingConfiguration, keepCount: Int = keepCountDefault, warnings: inout [String],
        progress: ((Int64) -> Void)? = nil
    ) throws(EngineError) -> Snapshot? {
        let folded = try Projection.load(directory: directory, billing: billing, progress: progress)
        warnings.append(contentsOf: folded.warnings)
        return try take(state: folded.state, keepCount: keepCount)
    }

    /// Writes a snapshot of `state`, which folded records 1…recordCount of this log; nil for an empty state.
    @discardableResult
    public func take(state: State, keepCount: Int = keepCountDefault) throws(EngineError) -> Snapshot? {
        guard state.recordCount > 0 else { return nil }
        let chain: UInt64?
        do {
            chain = try LogReader.chainValue(directory: directory, atSeq: UInt64(state.recordCount))
        } catch {
            throw EngineError(.log, "cannot read the chain value at seq \(state.recordCount): \(error)")
        }
        guard let chain else {
            throw EngineError(.log, "the log holds no record \(state.recordCount) to bind a snapshot to")
        }
        let snapshot = Snapshot(state: state, chain: chain)
        try write(snapshot, keepCount: keepCount)
        return snapshot
    }

    // MARK: Files

    private static func failure(_ operation: String, _ path: String) -> EngineError {
        EngineError(.log, "\(operation) \(path) failed: \(String(cString: strerror(errno)))")
    }

    static func names(in path: String) throws(EngineError) -> [String] {
        guard let handle = opendir(path) else { throw failure("list", path) }
        defer { closedir(handle) }
        var names: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    static func makeDirectory(_ path: String, parent: String) throws(EngineError) {
        if mkdir(path, 0o755) == 0 {
            try syncDirectory(parent)
        } else if errno != EEXIST {
            throw failure("mkdir", path)
        }
    }

    static func syncDirectory(_ path: String) throws(EngineError) {
        let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw failure("open", path) }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw failure("fsync", path) }
    }

    /// A snapshot file read straight into its three parts (header, state, checksum), so the state bytes — tens
    /// of MB on a big log — are read once into their own buffer and never copied out of a whole-file one.
    static func readSnapshotFile(_ path: String) throws(EngineError) -> (
        header: [UInt8], state: [UInt8], trailer: [UInt8]
    ) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw failure("open", path) }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw failure("stat", path) }
        guard info.st_size >= 0, UInt64(info.st_size) <= Snapshot.fileSizeBytesMax else {
            throw EngineError(.log, "\(path) is larger than \(Snapshot.fileSizeBytesMax) bytes")
        }
        let sizeBytes = Int(info.st_size)
        let headerSizeBytes = min(sizeBytes, Snapshot.headerSizeBytes)
        let trailerSizeBytes = min(sizeBytes - headerSizeBytes, Snapshot.trailerSizeBytes)
        let stateSizeBytes = sizeBytes - headerSizeBytes - trailerSizeBytes
        var parts = (
            header: [UInt8](repeating: 0, count: headerSizeBytes), state: [UInt8](repeating: 0, count: stateSizeBytes),
            trailer: [UInt8](repeating: 0, count: trailerSizeBytes)
        )
        var fileOffset = 0
        try readFully(descriptor, path, into: &parts.header, fileOffset: &fileOffset)
        try readFully(descriptor, path, into: &parts.state, fileOffset: &fileOffset)
        try readFully(descriptor, path, into: &parts.trailer, fileOffset: &fileOffset)
        return parts
    }

    private static func readFully(_ descriptor: Int32, _ path: String, into bytes: inout [UInt8], fileOffset: inout Int)
        throws(EngineError)
    {
        var done = 0
        while done < bytes.count {
            let count = bytes.withUnsafeMutableBytes {
                pread(descriptor, $0.baseAddress! + done, $0.count - done, off_t(fileOffset + done))
            }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else {
                if count == 0 { throw EngineError(.log, "\(path) shrank while being read") }
                throw failure("read", path)
            }
            done += count
        }
        fileOffset += done
    }

    static func readFile(_ path: String, sizeBytesMax: UInt64) throws(EngineError) -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw failure("open", path) }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw failure("stat", path) }
        guard info.st_size >= 0, UInt64(info.st_size) <= sizeBytesMax else {
            throw EngineError(.log, "\(path) is larger than \(sizeBytesMax) bytes")
        }
        var bytes = [UInt8](repeating: 0, count: Int(info.st_size))
        var done = 0
        while done < bytes.count {
            let count = bytes.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress! + done, $0.count - done) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else {
                if count == 0 { throw EngineError(.log, "\(path) shrank while being read") }
                throw failure("read", path)
            }
            done += count
        }
        return bytes
    }
}
