import Foundation
import Testing

@testable import TollgateLog

/// A small deterministic simulation (TigerBeetle's way, on the `LogStorage` seam): an in-memory file system that
/// keeps what was written apart from what was synced — file contents until `fsync`/`fdatasync`, directory entries
/// until the directory is synced. A crash at a seeded moment keeps the synced state plus a seeded part of the rest:
/// a random prefix of unsynced appends (or their length with zeros), each unsynced name change or not. The log must
/// then open (strict) with every acknowledged append and verify. One seed sets every parameter.
@Suite struct SimulationTests {
    final class SimulatedStorage: LogStorage, @unchecked Sendable {
        final class Inode {
            var volatile: [UInt8] = []
            var durable: [UInt8] = []
        }

        private let lock = NSLock()
        private var names: [String: Inode] = [:]
        private var durableNames: [String: Inode] = [:]
        /// Name changes since the last directory sync, in order (nil: removed).
        private var pendingNames: [(path: String, inode: Inode?)] = []
        private var files: [Int32: Inode] = [:]
        private var nextFile: Int32 = 3
        private var operationCount = 0
        private let crashAtOperation: Int
        private var random: SplitMix64
        /// The state a crash left, taken at the crash moment.
        private(set) var crashImage: [String: [UInt8]]?

        init(seed: UInt64, crashAtOperation: Int, image: [String: [UInt8]] = [:]) {
            random = SplitMix64(seed: seed)
            self.crashAtOperation = crashAtOperation
            for (path, bytes) in image {
                let inode = Inode()
                inode.volatile = bytes
                inode.durable = bytes
                names[path] = inode
                durableNames[path] = inode
            }
        }

        /// Counts a mutation; at the crash moment takes the crash image; afterwards every mutation fails.
        private func mutate() throws(Errno) {
            let crashedNow: Bool = lock.withLock {
                operationCount += 1
                if operationCount == crashAtOperation { crashImage = makeCrashImage() }
                return operationCount >= crashAtOperation
            }
            if crashedNow { throw Errno(5) }
        }

        var crashed: Bool { lock.withLock { crashImage != nil } }

        private func locked<T>(_ body: () throws(Errno) -> T) throws(Errno) -> T {
            lock.lock()
            defer { lock.unlock() }
            return try body()
        }

        /// Call with the lock held.
        private func makeCrashImage() -> [String: [UInt8]] {
            var namespace = durableNames
            for change in pendingNames where random.next() % 2 == 0 { namespace[change.path] = change.inode }
            var image: [String: [UInt8]] = [:]
            for (path, inode) in namespace {
                let durable = inode.durable
                let volatile = inode.volatile
                if volatile == durable {
                    image[path] = durable
                } else if volatile.count > durable.count, Array(volatile.prefix(durable.count)) == durable {
                    let unsyncedSizeBytes = volatile.count - durable.count
                    let kept = Int(random.next() % UInt64(unsyncedSizeBytes + 1))
                    switch random.next() % 4 {
                    case 0: image[path] = durable + [UInt8](repeating: 0, count: kept)  // size persisted, data not
                    default: image[path] = Array(volatile.prefix(durable.count + kept))
                    }
                } else {
                    image[path] = random.next() % 2 == 0 ? durable : volatile
                }
            }
            return image
        }

        func open(_ path: String, _ mode: OpenMode) throws(Errno) -> FileID {
            if mode == .createExclusive || mode == .createOrOpen { try mutate() }
            return try locked { () throws(Errno) -> FileID in
                var inode = names[path]
                switch mode {
                case .readOnly, .readWrite:
                    guard inode != nil else { throw Errno(2) }
                case .createExclusive:
                    guard inode == nil else { throw Errno(17) }
                    inode = Inode()
                    names[path] = inode
                    pendingNames.append((path, inode))
                case .createOrOpen:
                    if inode == nil {
                        inode = Inode()
                        names[path] = inode
                        pendingNames.append((path, inode))
                    }
                }
                let file = nextFile
                nextFile += 1
                files[file] = inode
                return FileID(file)
            }
        }
        func close(_ file: FileID) { lock.withLock { _ = files.removeValue(forKey: file.rawValue) } }
        private func inode(_ file: FileID) -> Inode { lock.withLock { files[file.rawValue]! } }
        func write(_ file: FileID, _ bytes: UnsafeRawBufferPointer, at offset: UInt64) throws(Errno) {
            try mutate()
            let inode = inode(file)
            lock.withLock {
                let end = Int(offset) + bytes.count
                if inode.volatile.count < end {
                    inode.volatile.append(contentsOf: repeatElement(0, count: end - inode.volatile.count))
                }
                inode.volatile.withUnsafeMutableBytes {
                    $0.baseAddress!.advanced(by: Int(offset)).copyMemory(
                        from: bytes.baseAddress!, byteCount: bytes.count)
                }
            }
        }
        func read(_ file: FileID, into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64) throws(Errno) -> Int {
            let inode = inode(file)
            return lock.withLock {
                let start = min(Int(offset), inode.volatile.count)
                let count = min(buffer.count, inode.volatile.count - start)
                inode.volatile.withUnsafeBytes {
                    buffer.baseAddress!.copyMemory(from: $0.baseAddress! + start, byteCount: count)
                }
                return count
            }
        }
        func sizeBytes(_ file: FileID) throws(Errno) -> UInt64 {
            let inode = inode(file)
            return lock.withLock { UInt64(inode.volatile.count) }
        }
        func truncate(_ file: FileID, to sizeBytes: UInt64) throws(Errno) {
            try mutate()
            let inode = inode(file)
            lock.withLock {
                if inode.volatile.count > Int(sizeBytes) {
                    inode.volatile.removeLast(inode.volatile.count - Int(sizeBytes))
                } else {
                    inode.volatile.append(contentsOf: repeatElement(0, count: Int(sizeBytes) - inode.volatile.count))
                }
            }
        }
        func datasync(_ file: FileID) throws(Errno) {
            try mutate()
            let inode = inode(file)
            lock.withLock { inode.durable = inode.volatile }
        }
        func sync(_ file: FileID) throws(Errno) { try datasync(file) }
        func syncDirectory(_ path: String) throws(Errno) {
            try mutate()
            lock.withLock {
                for change in pendingNames { durableNames[change.path] = change.inode }
                pendingNames.removeAll()
            }
        }
        func rename(_ from: String, _ to: String) throws(Errno) {
            try mutate()
            try locked { () throws(Errno) in
                guard let inode = names.removeValue(forKey: from) else { throw Errno(2) }
                names[to] = inode
                pendingNames.append((from, nil))
                pendingNames.append((to, inode))
            }
        }
        func remove(_ path: String) throws(Errno) {
            try mutate()
            try locked { () throws(Errno) in
                guard names.removeValue(forKey: path) != nil else { throw Errno(2) }
                pendingNames.append((path, nil))
            }
        }
        func makeDirectory(_ path: String) throws(Errno) {}
        func list(_ path: String) throws(Errno) -> [String] {
            lock.withLock {
                names.keys.filter { $0.hasPrefix(path + "/") }.map { String($0.dropFirst(path.count + 1)) }
            }
        }
        func lockExclusive(_ file: FileID) throws(Errno) {}
    }

    static let directory = "/sim/log"

    @Test(arguments: 0..<256 as Range<UInt64>)
    func crashKeepsEveryAcknowledgedAppend(seed: UInt64) throws {
        var random = SplitMix64(seed: seed)
        let segmentSizeBytes = 200 + random.next() % 2000
        let appendCount = 10 + Int(random.next() % 30)
        let crashAtOperation = 1 + Int(random.next() % UInt64(appendCount * 4))
        var factory = RecordFactory(seed: seed &* 31 &+ 7)
        factory.bodySizeBytesMax = 40
        let storage = SimulatedStorage(seed: seed, crashAtOperation: crashAtOperation)
        var acknowledged: [LogRecord] = []
        var inFlight: [LogRecord] = []
        if let log = try? Log.open(
            directory: Self.directory, configuration: .init(segmentSizeBytes: segmentSizeBytes), storage: storage)
        {
            for _ in 0..<appendCount {
                let batch = factory.batch(countMax: 4)
                let seq = UInt64(acknowledged.count) + 1
                inFlight = batch.enumerated().map { $1.expected(seq: seq + UInt64($0)) }
                do { _ = try log.append(batch) } catch { break }
                acknowledged += inFlight
                inFlight = []
            }
            try? log.close()
        }
        let image = storage.crashImage ?? [:]
        let context = "seed \(seed): segment \(segmentSizeBytes) B, crash at operation \(crashAtOperation)"
        if storage.crashImage == nil {
            // The workload ended before the crash moment: nothing to check beyond a clean run.
            #expect(acknowledged.count > 0, "\(context)")
            return
        }
        // Reboot on what the crash left.
        let rebooted = SimulatedStorage(seed: seed, crashAtOperation: .max, image: image)
        let log: Log
        do {
            log = try Log.open(
                directory: Self.directory, configuration: .init(segmentSizeBytes: segmentSizeBytes), storage: rebooted)
        } catch {
            Issue.record("\(context): the log does not open: \(error)")
            return
        }
        try log.close()
        var reader = try LogReader(directory: Self.directory, fromSeq: 1, storage: rebooted)
        var records: [LogRecord] = []
        while let record = try reader.next() { records.append(record) }
        #expect(records.count >= acknowledged.count, "\(context): acknowledged records lost")
        let checksums = records.map(\.checksum)
        #expect(Array(checksums.prefix(acknowledged.count)) == acknowledged.map(\.checksum), "\(context)")
        #expect(records.prefix(acknowledged.count) == acknowledged[...], "\(context): changed records")
        #expect(
            checksums.count == acknowledged.count || checksums == (acknowledged + inFlight).map(\.checksum),
            "\(context): more than the in-flight append")
        let verification = verifyLog(directory: Self.directory, storage: rebooted)
        #expect(verification.ok, "\(context): \(verification.problems)")
    }
}
