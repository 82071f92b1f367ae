import Foundation
import TollgateLog

/// An in-memory `LogStorage` that injects faults by seeded chance (TigerBeetle's `src/testing/storage.zig`).
///
/// Every file keeps two copies of its bytes: `actual` (what the medium holds, faults included) and `intended`
/// (what the writes asked for), each both *volatile* (page cache) and *durable* (on the medium). A silent fault —
/// a flipped bit or a misdirected write — changes only `actual`, so the simulator knows when the engine reads
/// corrupt data and can tell "detected" from "silently used", and ``repair()`` can restore the medium (a replica
/// would) after a detection so the run goes on. Unsynced writes are kept per file as pending operations; directory
/// entries change durably only at a directory sync. A power loss keeps the durable state plus a seeded part of
/// the rest: a prefix or a reordered subset of each file's unsynced writes, any of them possibly torn, and each
/// unsynced directory change (a rename atomically) or not.
package final class SimulatedDisk: LogStorage, @unchecked Sendable {
    private enum PendingOperation {
        /// `intended` at `offset`; the medium got `actual` at `actualOffset` (differs when faulted).
        case write(offset: Int, intended: [UInt8], actualOffset: Int, actual: [UInt8])
        case truncate(sizeBytes: Int)
    }

    private final class Inode {
        var actual: [UInt8] = []
        var intended: [UInt8] = []
        var durableActual: [UInt8] = []
        var durableIntended: [UInt8] = []
        var pending: [PendingOperation] = []

        init() {}
        init(bytes: [UInt8]) {
            actual = bytes
            intended = bytes
            durableActual = bytes
            durableIntended = bytes
        }
    }

    private let lock = NSLock()
    private var random: SplitMix64
    private var names: [String: Inode] = [:]
    private var durableNames: [String: Inode] = [:]
    /// Directory changes since the last sync of their directory, in order; each group is atomic (a rename).
    private var pendingNames: [[(path: String, inode: Inode?)]] = []
    private var files: [Int32: Inode] = [:]
    /// Never reused, so a handle left over from before a restart cannot reach a new file.
    private var nextFile: Int32 = 3

    package var rates: FaultRates
    /// Off while the checker reads (it is the oracle, not the system under test).
    package var faultsEnabled = true
    /// A broken disk for testing the checker: syncs return success and persist nothing.
    package var syncsPersistNothing = false
    /// Mutations left before the power fails; nil when no failure is armed.
    private var crashCountdown: Int?
    private var down = false
    private var statistics = DiskStatistics()

    package init(seed: UInt64, rates: FaultRates) {
        random = SplitMix64(seed: seed)
        self.rates = rates
    }

    package var stats: DiskStatistics { lock.withLock { statistics } }

    /// True after the power failed: every operation fails with `EIO` until ``reboot()``.
    package var isDown: Bool { lock.withLock { down } }

    /// Fails the power after `mutationCount` more mutating operations (the last one lands half-way).
    package func armCrash(afterMutations mutationCount: Int?) {
        lock.withLock { crashCountdown = mutationCount }
    }

    /// Fails the power now.
    package func powerFail() { lock.withLock { down = true } }

    /// True when a live file's medium differs from what was written to it (an undetected or unrepaired silent
    /// fault).
    package var hasSilentCorruption: Bool {
        lock.withLock {
            names.values.contains { $0.actual != $0.intended || $0.durableActual != $0.durableIntended }
        }
    }

    /// Restores every file's medium to what was written (a restore from a replica after a detected corruption).
    package func repair() {
        lock.withLock {
            var repaired = false
            for inode in names.values
            where inode.actual != inode.intended || inode.durableActual != inode.durableIntended {
                inode.actual = inode.intended
                inode.durableActual = inode.durableIntended
                inode.pending = inode.pending.map {
                    guard case .write(let offset, let intended, _, _) = $0 else { return $0 }
                    return .write(offset: offset, intended: intended, actualOffset: offset, actual: intended)
                }
                repaired = true
            }
            if repaired { statistics.repairs += 1 }
        }
    }

    /// A process restart without power loss: open files are gone, the page cache stays.
    package func restartProcess() {
        lock.withLock { files.removeAll() }
    }

    /// Power comes back: the disk holds what a power loss at this moment leaves (see the type's comment).
    package func reboot() {
        lock.withLock {
            statistics.powerLosses += 1
            var namespace = durableNames
            for group in pendingNames where random.chance(percent: 50) {
                for change in group { namespace[change.path] = change.inode }
            }
            var images: [ObjectIdentifier: Inode] = [:]
            var rebuilt: [String: Inode] = [:]
            // Sorted: a dictionary's order changes from process to process, and the draws must not.
            for (path, inode) in namespace.sorted(by: { $0.key < $1.key }) {
                let id = ObjectIdentifier(inode)
                if images[id] == nil { images[id] = image(of: inode) }
                rebuilt[path] = images[id]
            }
            for inode in names.values where images[ObjectIdentifier(inode)] == nil {
                // Files whose names did not survive: all their unsynced writes are gone.
                statistics.unsyncedWritesLost += inode.pending.count
            }
            names = rebuilt
            durableNames = rebuilt
            pendingNames.removeAll()
            files.removeAll()
            down = false
            crashCountdown = nil
        }
    }

    /// What survives of one file at a power loss (lock held).
    private func image(of inode: Inode) -> Inode {
        let survivor = Inode()
        survivor.actual = inode.durableActual
        survivor.intended = inode.durableIntended
        let reordered = random.chance(percent: rates.reorderPercent)
        let keptCount = reordered ? inode.pending.count : random.below(inode.pending.count + 1)
        var skipped = false
        for (index, operation) in inode.pending.enumerated() {
            let keep = index < keptCount && (!reordered || random.chance(percent: 50))
            guard keep else {
                statistics.unsyncedWritesLost += 1
                skipped = true
                continue
            }
            switch operation {
            case .truncate(let sizeBytes):
                Self.resize(&survivor.actual, to: sizeBytes)
                Self.resize(&survivor.intended, to: sizeBytes)
            case .write(let offset, var intended, let actualOffset, var actual):
                if random.chance(percent: rates.tearPercent), !intended.isEmpty {
                    let cut = random.below(intended.count)
                    intended.removeLast(intended.count - cut)
                    actual.removeLast(actual.count - min(cut, actual.count))
                    statistics.tornWrites += 1
                    if random.chance(percent: 25) {
                        // The size reached the medium, the data did not.
                        intended = [UInt8](repeating: 0, count: cut)
                        actual = intended
                    }
                }
                Self.store(intended, at: offset, in: &survivor.intended, growTo: nil)
                Self.store(actual, at: actualOffset, in: &survivor.actual, growTo: offset + intended.count)
            }
        }
        if reordered && skipped { statistics.reorderedPowerLosses += 1 }
        survivor.durableActual = survivor.actual
        survivor.durableIntended = survivor.intended
        return survivor
    }

    private static func resize(_ bytes: inout [UInt8], to sizeBytes: Int) {
        if bytes.count > sizeBytes {
            bytes.removeLast(bytes.count - sizeBytes)
        } else {
            bytes.append(contentsOf: repeatElement(0, count: sizeBytes - bytes.count))
        }
    }

    private static func store(_ source: [UInt8], at offset: Int, in bytes: inout [UInt8], growTo: Int?) {
        let end = max(offset + source.count, growTo ?? 0)
        if bytes.count < end { bytes.append(contentsOf: repeatElement(0, count: end - bytes.count)) }
        bytes.replaceSubrange(offset..<(offset + source.count), with: source)
    }

    /// Counts a sync (a mutation) and rolls its injected I/O error; false when syncs are set to persist nothing.
    /// Caller holds the lock.
    private func syncTakesEffect() throws(Errno) -> Bool {
        try mutation()
        statistics.syncs += 1
        if faultsEnabled, random.chance(perMillion: rates.syncIOErrorPerMillion) {
            statistics.syncIOErrors += 1
            throw Errno(EIO)
        }
        return !syncsPersistNothing
    }

    /// Counts a mutation; fails when the power is (or just went) down.
    private func mutation() throws(Errno) {
        if down { throw Errno(EIO) }
        if let countdown = crashCountdown, faultsEnabled {
            if countdown <= 0 {
                down = true
                throw Errno(EIO)
            }
            crashCountdown = countdown - 1
        }
    }

    private func withLock<T>(_ body: () throws(Errno) -> T) throws(Errno) -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    private func inode(_ file: FileID) throws(Errno) -> Inode {
        guard let inode = files[file.rawValue] else { throw Errno(EBADF) }
        return inode
    }

    private static func parent(_ path: String) -> Substring {
        path.lastIndex(of: "/").map { path[..<$0] } ?? ""
    }

    // MARK: LogStorage

    package func open(_ path: String, _ mode: OpenMode) throws(Errno) -> FileID {
        try withLock { () throws(Errno) -> FileID in
            if down { throw Errno(EIO) }
            var inode = names[path]
            switch mode {
            case .readOnly, .readWrite:
                guard inode != nil else { throw Errno(ENOENT) }
            case .createExclusive, .createOrOpen:
                if inode != nil, mode == .createExclusive { throw Errno(EEXIST) }
                if inode == nil {
                    try mutation()
                    let created = Inode()
                    names[path] = created
                    pendingNames.append([(path, created)])
                    inode = created
                }
            }
            let file = nextFile
            nextFile += 1
            files[file] = inode
            return FileID(file)
        }
    }

    package func close(_ file: FileID) { lock.withLock { _ = files.removeValue(forKey: file.rawValue) } }

    package func write(_ file: FileID, _ bytes: UnsafeRawBufferPointer, at offset: UInt64) throws(Errno) {
        try withLock { () throws(Errno) in
            let inode = try inode(file)
            statistics.writes += 1
            var intended = [UInt8](bytes)
            let offset = Int(offset)
            var failure: Errno?
            if down { throw Errno(EIO) }
            if crashCountdown == 0 && faultsEnabled {
                // The power fails during this write: a part of it lands.
                intended.removeLast(intended.count - random.below(intended.count + 1))
                statistics.tornWrites += 1
                failure = Errno(EIO)
                down = true
            } else {
                try mutation()
            }
            if failure == nil, faultsEnabled {
                if random.chance(perMillion: rates.diskFullPerMillion) {
                    failure = Errno(ENOSPC)
                    statistics.diskFullErrors += 1
                } else if random.chance(perMillion: rates.writeIOErrorPerMillion) {
                    failure = Errno(EIO)
                    statistics.writeIOErrors += 1
                }
                if failure != nil {
                    intended.removeLast(intended.count - random.below(intended.count + 1))
                    if !intended.isEmpty { statistics.tornWrites += 1 }
                }
            }
            var actual = intended
            var actualOffset = offset
            if faultsEnabled, !actual.isEmpty {
                if random.chance(perMillion: rates.writeBitFlipPerMillion) {
                    actual[random.below(actual.count)] ^= UInt8(1) << UInt8(random.below(8))
                    statistics.writeBitFlips += 1
                }
                if random.chance(perMillion: rates.misdirectedWritePerMillion) {
                    let shift = (1 + random.below(8)) * 512
                    actualOffset = random.chance(percent: 50) ? offset + shift : max(0, offset - shift)
                    if actualOffset != offset { statistics.misdirectedWrites += 1 }
                }
            }
            if !intended.isEmpty {
                Self.store(intended, at: offset, in: &inode.intended, growTo: nil)
                Self.store(actual, at: actualOffset, in: &inode.actual, growTo: offset + intended.count)
                inode.pending.append(
                    .write(offset: offset, intended: intended, actualOffset: actualOffset, actual: actual))
            }
            if let failure { throw failure }
        }
    }

    package func read(_ file: FileID, into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64) throws(Errno)
        -> Int
    {
        try withLock { () throws(Errno) -> Int in
            if down { throw Errno(EIO) }
            let inode = try inode(file)
            statistics.reads += 1
            let start = min(Int(offset), inode.actual.count)
            let count = min(buffer.count, inode.actual.count - start)
            if count > 0 {
                inode.actual.withUnsafeBytes {
                    buffer.baseAddress!.copyMemory(from: $0.baseAddress! + start, byteCount: count)
                }
                if faultsEnabled, random.chance(perMillion: rates.readBitFlipPerMillion) {
                    buffer[random.below(count)] ^= UInt8(1) << UInt8(random.below(8))
                    statistics.readBitFlips += 1
                }
            }
            return count
        }
    }

    package func sizeBytes(_ file: FileID) throws(Errno) -> UInt64 {
        try withLock { () throws(Errno) -> UInt64 in
            if down { throw Errno(EIO) }
            return UInt64(try inode(file).actual.count)
        }
    }

    package func truncate(_ file: FileID, to sizeBytes: UInt64) throws(Errno) {
        try withLock { () throws(Errno) in
            let inode = try inode(file)
            try mutation()
            Self.resize(&inode.actual, to: Int(sizeBytes))
            Self.resize(&inode.intended, to: Int(sizeBytes))
            inode.pending.append(.truncate(sizeBytes: Int(sizeBytes)))
        }
    }

    package func datasync(_ file: FileID) throws(Errno) {
        try withLock { () throws(Errno) in
            let inode = try inode(file)
            guard try syncTakesEffect() else { return }
            inode.durableActual = inode.actual
            inode.durableIntended = inode.intended
            inode.pending.removeAll()
        }
    }

    package func sync(_ file: FileID) throws(Errno) { try datasync(file) }

    package func syncDirectory(_ path: String) throws(Errno) {
        try withLock { () throws(Errno) in
            guard try syncTakesEffect() else { return }
            var remaining: [[(path: String, inode: Inode?)]] = []
            for group in pendingNames {
                if group.allSatisfy({ Self.parent($0.path) == path }) {
                    for change in group { durableNames[change.path] = change.inode }
                } else {
                    remaining.append(group)
                }
            }
            pendingNames = remaining
        }
    }

    package func rename(_ from: String, _ to: String) throws(Errno) {
        try withLock { () throws(Errno) in
            try mutation()
            guard let inode = names.removeValue(forKey: from) else { throw Errno(ENOENT) }
            names[to] = inode
            pendingNames.append([(from, nil), (to, inode)])
        }
    }

    package func remove(_ path: String) throws(Errno) {
        try withLock { () throws(Errno) in
            try mutation()
            guard names.removeValue(forKey: path) != nil else { throw Errno(ENOENT) }
            pendingNames.append([(path, nil)])
        }
    }

    package func makeDirectory(_ path: String) throws(Errno) {
        if isDown { throw Errno(EIO) }
    }

    package func list(_ path: String) throws(Errno) -> [String] {
        try withLock { () throws(Errno) -> [String] in
            if down { throw Errno(EIO) }
            let prefix = path.hasSuffix("/") ? path : path + "/"
            return names.keys.filter { $0.hasPrefix(prefix) && !$0.dropFirst(prefix.count).contains("/") }
                .map { String($0.dropFirst(prefix.count)) }.sorted()
        }
    }

    package func lockExclusive(_ file: FileID) throws(Errno) {}
}
