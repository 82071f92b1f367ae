import Foundation
import Testing

@testable import TollgateLog

/// Crash at every mutating file-system operation of a workload that appends and rolls (seals) segments: from the
/// crash point on, every mutation fails (a write at the crash point lands half-way). Then "reboot": open the
/// directory with the real storage. The log must open (strict), hold every acknowledged append, and verify.
/// This walks every step of sealing and segment creation, not only appends. (No page-cache loss is modelled: that
/// is what a later deterministic simulator on `LogStorage` adds.)
@Suite struct CrashPointTests {
    final class CrashingStorage: LogStorage, @unchecked Sendable {
        private let base = NoSyncStorage()
        private let lock = NSLock()
        private var operationCount = 0
        let crashAtOperation: Int
        private(set) var crashed = false

        init(crashAtOperation: Int) { self.crashAtOperation = crashAtOperation }

        var mutatingOperationCount: Int { lock.withLock { operationCount } }

        /// Counts a mutation; returns false from the crash point on.
        private func proceed() -> Bool {
            lock.withLock {
                operationCount += 1
                if operationCount > crashAtOperation { crashed = true }
                return !crashed
            }
        }

        func open(_ path: String, _ mode: OpenMode) throws(Errno) -> FileID {
            if mode != .readOnly && mode != .readWrite, !proceed() { throw Errno(5) }
            return try base.open(path, mode)
        }
        func close(_ file: FileID) { base.close(file) }
        func write(_ file: FileID, _ bytes: UnsafeRawBufferPointer, at offset: UInt64) throws(Errno) {
            if !proceed() {
                let alreadyCrashed = lock.withLock { operationCount > crashAtOperation + 1 }
                if !alreadyCrashed, bytes.count > 1 {
                    try base.write(file, UnsafeRawBufferPointer(rebasing: bytes[0..<(bytes.count / 2)]), at: offset)
                }
                throw Errno(5)
            }
            try base.write(file, bytes, at: offset)
        }
        func read(_ file: FileID, into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64) throws(Errno) -> Int {
            try base.read(file, into: buffer, at: offset)
        }
        func sizeBytes(_ file: FileID) throws(Errno) -> UInt64 { try base.sizeBytes(file) }
        func truncate(_ file: FileID, to sizeBytes: UInt64) throws(Errno) {
            guard proceed() else { throw Errno(5) }
            try base.truncate(file, to: sizeBytes)
        }
        func datasync(_ file: FileID) throws(Errno) {
            guard proceed() else { throw Errno(5) }
            try base.datasync(file)
        }
        func sync(_ file: FileID) throws(Errno) {
            guard proceed() else { throw Errno(5) }
            try base.sync(file)
        }
        func syncDirectory(_ path: String) throws(Errno) {
            guard proceed() else { throw Errno(5) }
            try base.syncDirectory(path)
        }
        func rename(_ from: String, _ to: String) throws(Errno) {
            guard proceed() else { throw Errno(5) }
            try base.rename(from, to)
        }
        func remove(_ path: String) throws(Errno) {
            guard proceed() else { throw Errno(5) }
            try base.remove(path)
        }
        func makeDirectory(_ path: String) throws(Errno) { try base.makeDirectory(path) }
        func list(_ path: String) throws(Errno) -> [String] { try base.list(path) }
        func lockExclusive(_ file: FileID) throws(Errno) { try base.lockExclusive(file) }
    }

    static let batches: [[RecordInput]] = {
        var factory = RecordFactory(seed: 71)
        factory.bodySizeBytesMax = 30
        return (0..<24).map { _ in factory.batch(countMax: 3) }
    }()

    /// Runs the workload; returns the records of the appends that returned, and of the one that threw (if any).
    static func run(_ directory: String, storage: any LogStorage, preexisting: Int)
        -> (acknowledged: [LogRecord], attempted: [LogRecord])
    {
        var acknowledged: [LogRecord] = []
        var attempted: [LogRecord] = []
        guard
            let log = try? Log.open(directory: directory, configuration: .init(segmentSizeBytes: 400), storage: storage)
        else { return ([], []) }
        var seq = UInt64(preexisting) + 1
        for batch in batches[preexisting == 0 ? 0..<12 : 12..<24] {
            let records = batch.enumerated().map { $1.expected(seq: seq + UInt64($0)) }
            do {
                let first = try log.append(batch)
                #expect(first == seq)
                acknowledged += records
                seq += UInt64(batch.count)
            } catch {
                attempted = records
                break
            }
        }
        try? log.close()
        return (acknowledged, attempted)
    }

    @Test func crashAtEveryMutation() throws {
        // A first phase without faults, so the crash phase starts on an existing log (recovery path included).
        let counting = CrashingStorage(crashAtOperation: .max)
        let probe = TemporaryDirectory()
        let (base, _) = Self.run(probe.path, storage: noSync, preexisting: 0)
        _ = Self.run(probe.path, storage: counting, preexisting: base.count)
        let operationCount = counting.mutatingOperationCount
        #expect(operationCount > 60)
        for crashPoint in 0...operationCount {
            let directory = TemporaryDirectory()
            _ = Self.run(directory.path, storage: noSync, preexisting: 0)
            let storage = CrashingStorage(crashAtOperation: crashPoint)
            let (acknowledged, attempted) = Self.run(directory.path, storage: storage, preexisting: base.count)
            // Reboot.
            let reopened: Log
            do { reopened = try openFast(directory.path) } catch {
                Issue.record("crash at mutation \(crashPoint): the log does not open: \(error)")
                continue
            }
            try reopened.close()
            let records = try readAll(directory.path)
            let mustHave = base + acknowledged
            let checksums = records.map(\.checksum)
            #expect(records.count >= mustHave.count, "crash at mutation \(crashPoint): acknowledged records lost")
            #expect(Array(records.prefix(mustHave.count)) == mustHave, "crash at mutation \(crashPoint)")
            // Beyond that, only the append that failed may have landed, whole.
            #expect(
                checksums.count == mustHave.count || checksums == (mustHave + attempted).map(\.checksum),
                "crash at mutation \(crashPoint)")
            let verification = verifyLog(directory: directory.path)
            #expect(verification.ok, "crash at mutation \(crashPoint): \(verification.problems)")
        }
    }
}
