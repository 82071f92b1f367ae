import TollgateBilling
import TollgateLog

/// A full verified replay: every record's checksum and chain (storage layer), seq contiguity and time order, and
/// every billing invariant including re-deciding each recorded command (``LedgerVerifier``), and the accounting
/// journal's invariants (``AccountingVerifier``). Writes nothing.
public enum Replay {
    public struct Report: Sendable {
        public var ok: Bool { violations.isEmpty }
        public var recordCount: Int64
        public var violations: [Violation]
        public var state: State
        /// `state.balances()`, sorted once for the end-of-log checks and kept for the report.
        public var balances: [(userID: String, balance: Millicredits)]
        public var lastSeq: Int64 { recordCount }

        /// `{"ok":…,"records":N,"violations":[…],"last_time":…,"balances":{…},"liability":…}`
        public var json: JSONValue {
            var members: [(String, JSONValue)] = [
                ("ok", .bool(ok)),
                ("records", .int(recordCount)),
                ("violations", .array(violations.map(\.json))),
            ]
            if let last = state.lastRecordTime {
                members.append(("last_time", .string(last.rfc3339)))
            } else {
                members.append(("last_time", .null))
            }
            // From the balances already sorted (not `state.balancesJSON()`, which sorts them again).
            if case .object(let balanceMembers) = state.balancesJSON(balances) {
                members.append(contentsOf: balanceMembers)
            }
            return .object(members)
        }
    }

    /// Violations reported by the storage layer are named after what broke there.
    static let storageInvariant = "log_integrity"

    /// Records per chunk handed from the reading thread: the hand-off (a condition-variable wake-up per chunk and
    /// stage) is rare. Items are a few words since the bodies that are not compact debits moved beside them, so
    /// 4,096 items take the memory 1,024 took before (−3 to −5 % CPU against 1,024, docs/benchmarks.md).
    static let chunkRecordCount = 4_096
    /// Chunks read ahead of the verifier at most, per stage (≤ 8 × 4,096 decoded records in memory).
    static let readAheadChunkCountMax = 8

    /// Reads the log on a second thread (``DecodedRecords`` through a ``ReadAhead``) and runs the log layer's own
    /// pass on a third, beside the re-deciding thread; the report is the same as a sequential replay's. A log of at
    /// most one chunk (``sequentialRecordCountMax``) is replayed on this thread alone: the stages would take its
    /// one chunk in turn anyway, so the threads would only add their start (docs/engine.md, "Start-up").
    public static func verify(
        directory: String, billing: BillingConfiguration, until bound: Projection.Bound = .end,
        progress: ((Int64) -> Void)? = nil
    ) -> Report {
        let concurrent = expectedRecordCount(directory: directory, until: .end) > sequentialRecordCountMax
        return verify(
            directory: directory, billing: billing, until: bound, storage: PosixStorage.shared,
            concurrent: concurrent, progress: progress)
    }

    /// How much of each per-debit table (the verifier's ledger, the journal's single-lot table) is advised huge
    /// pages: the first 16 MiB of each — bit-packed since the eleventh session, ~3¼ and 2 bytes a debit, so all of
    /// both up to ~5M debits. Beyond it the tables keep 4 KiB pages. On this VM a fresh huge page costs ~2 ms to
    /// fault in after a pause of a few seconds (the guest hands freed 2 MiB blocks back to its host) where 4 KiB
    /// pages cost ~0.5 ms per 2 MiB every time: fully advised, a 10M-record replay's ~200 MB of (then unpacked)
    /// tables made its wall 0.82 s instead of 0.54 s after such a pause (docs/benchmarks.md, "Tenth session").
    static let hugePageTablePrefixSizeBytes = 16 << 20

    /// The largest log (by ``expectedRecordCount(directory:until:storage:)``, whatever the bound: the log check
    /// reads all of it) that the public `verify` replays without its reading and journal threads: one chunk.
    static let sequentialRecordCountMax = chunkRecordCount

    /// Verifies the log read through `storage` (the simulator's disk; the public overload reads real files).
    ///
    /// `concurrent`: read, check and decode the log on other threads ahead of the verifier. Off for storage that is
    /// not safe to read from several threads at once or must be read in one order (the simulator's seeded faults).
    package static func verify(
        directory: String, billing: BillingConfiguration, until bound: Projection.Bound = .end,
        storage logStorage: any LogStorage, concurrent: Bool = false, progress: ((Int64) -> Void)? = nil
    ) -> Report {
        // The log layer's pass collects every problem (one per damaged segment) where the reader below stops at the
        // first. Concurrently, the reading thread makes it at its end from what it verified, checking only the rest
        // (``LogReader/checkingRest()``: docs/engine.md, "The log check"); sequentially (the simulator's disk, read
        // in one order) it is a pass of its own first.
        let sequentialLogCheck = concurrent ? nil : verifyLog(directory: directory, storage: logStorage)

        var replayViolations: [Violation] = []
        let expectedRecords =
            concurrent ? expectedRecordCount(directory: directory, until: bound, storage: logStorage) : 0
        var recordCount: Int64 = 0
        var lastTime: Timestamp?
        // The records come up to the bound, decoded, each user numbered once (reading thread); the accounting
        // journal is folded from them on a thread of its own between the reader and this one (docs/engine.md).
        let readAhead =
            concurrent
            ? DecodedRecords.journaled(
                DecodedRecords.readAhead(name: "replay-read", chunkCountMax: readAheadChunkCountMax) {
                    DecodedRecords(
                        directory: directory, storage: logStorage, until: bound, chunkRecordCount: chunkRecordCount,
                        userKeys: true, compactDebits: true, checksLog: true, prefetchesSealedBlocks: true,
                        expectedRecordCount: expectedRecords)
                }, name: "replay-journal", chunkCountMax: readAheadChunkCountMax, expectedRecordCount: expectedRecords)
            : nil
        defer { readAhead?.stop() }
        // Sized while the reading thread starts.
        var verifier = LedgerVerifier(configuration: billing)
        verifier.reserveCapacity(records: expectedRecords)
        // Filled in seq order: one page fault per 2 MiB instead of per 4 KiB, for the first
        // ``hugePageTablePrefixSizeBytes`` (docs/engine.md).
        _ = verifier.withReservedTableBytes { HugePages.advise($0, prefixSizeBytesMax: hugePageTablePrefixSizeBytes) }
        var direct =
            concurrent
            ? nil
            : DecodedRecords(
                directory: directory, storage: logStorage, until: bound, chunkRecordCount: chunkRecordCount,
                userKeys: true, compactDebits: true)
        // Folded here when there is no journal thread.
        var sequentialAccounting = AccountingVerifier()
        var outcome = DecodedRecords.Outcome()
        reading: while true {
            let chunk: DecodedRecords.Chunk?
            if let readAhead { chunk = readAhead.next() } else { chunk = direct!.nextChunk() }
            switch chunk {
            case .records(let records):
                if !concurrent { DecodedRecords.journal(records, into: &sequentialAccounting) }
                let items = records.items
                // By index: `for item in items` copied every item (its decoded record) once more.
                for index in items.indices {
                    let seq = Int64(items[index].seq)
                    let time = Timestamp(millisecondsSinceEpoch: items[index].timeMs)
                    if seq != recordCount + 1 {
                        replayViolations.append(
                            Violation(
                                invariant: "seq_contiguous", seq: seq,
                                detail: "expected seq \(recordCount + 1), found \(seq)"))
                    }
                    if let lastTime, time < lastTime {
                        replayViolations.append(
                            Violation(invariant: "time_monotonic", seq: seq,
                                      detail: "record time \(time.rfc3339) is before the previous \(lastTime.rfc3339)"))
                    }
                    lastTime = time
                    switch items[index].body {
                    case .keyedDebit(let debit):
                        verifier.check(seq: seq, time: time, debit: debit, userKey: items[index].userKey)
                    case .decoded(let body):
                        verifier.check(
                            seq: seq, time: time, decoded: records.bodies[body], userKey: items[index].userKey)
                    }
                    recordCount += 1
                    if let progress, recordCount & 0xFFFF == 0 { progress(recordCount) }
                }
            case .end(let last):
                outcome = last
                break reading
            case nil:
                preconditionFailure("the replay's read-ahead stopped before its end")
            }
        }
        if let failure = outcome.failure {
            replayViolations.append(Violation(invariant: storageInvariant, seq: recordCount + 1, detail: "\(failure)"))
        }
        var accounting = concurrent ? outcome.accounting! : sequentialAccounting

        var violations: [Violation] = []
        let storage = concurrent ? outcome.logCheck! : sequentialLogCheck!
        for problem in storage.problems {
            let seq = problem.seq.map { Int64($0) }
            if case .seq(let last) = bound, let seq, seq > last { continue }
            violations.append(
                Violation(invariant: storageInvariant, seq: seq, detail: "\(problem.file) at byte \(problem.offset.map { String($0) } ?? "?"): \(problem.detail)"))
        }
        violations.append(contentsOf: replayViolations)
        // One sort of the users with a balance for the balance equation, the journal's comparison and the report.
        let balanceSlots = verifier.state.balanceSlots()
        let balances = verifier.state.balances(slots: balanceSlots)
        violations.append(contentsOf: verifier.finish(balanceSlots: balanceSlots))
        violations.append(contentsOf: accounting.finish(balances: balances))
        return Report(recordCount: recordCount, violations: violations, state: verifier.state, balances: balances)
    }

    /// About how many records a replay up to `bound` will read, from the segment files' names and sizes alone
    /// (nothing is opened): the records before the last segment (its base seq − 1) plus the last segment's — at
    /// most its size ÷ 13 bytes (a record's framing) when raw, the earlier segments' average when sealed. Sizes the
    /// replay's per-debit tables once (``LedgerVerifier/reserveCapacity(records:)``); a wrong guess only costs the
    /// growth it would have cost anyway, and room never written costs no memory. 0 when the directory is unreadable.
    /// Through the log's storage, not `FileManager` (whose first use cost ~0.4 ms of the replay's start-up).
    static func expectedRecordCount(
        directory: String, until bound: Projection.Bound, storage: any LogStorage = PosixStorage.shared
    ) -> Int {
        let names = (try? storage.list(directory)) ?? []
        guard let last = SegmentFileName.segments(of: names).last else { return 0 }
        let before = Int(last.baseSeq) - 1
        var lastCount = 0
        if last.isSealed {
            let segmentCount = SegmentFileName.segments(of: names).count
            lastCount = segmentCount > 1 ? before / (segmentCount - 1) : 0
        } else if let file = try? storage.open(directory + "/" + last.name, .readOnly) {
            defer { storage.close(file) }
            if let sizeBytes = try? storage.sizeBytes(file) {
                lastCount = Int(clamping: sizeBytes) / recordFramingBytesMin
            }
        }
        let (sum, overflow) = before.addingReportingOverflow(lastCount)
        var expected = overflow ? Int.max : sum
        if case .seq(let lastSeq) = bound { expected = min(expected, Int(clamping: lastSeq)) }
        return min(max(0, expected), expectedRecordCountMax)
    }

    /// A record's framing in a raw segment (docs/log-format.md, "Record"): no record is smaller.
    static let recordFramingBytesMin = 13
    /// The estimate's ceiling (64M records): a tampered file name must not reserve without bound.
    static let expectedRecordCountMax = 1 << 26
}
