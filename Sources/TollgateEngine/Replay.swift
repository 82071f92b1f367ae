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
            if case .object(let balanceMembers) = state.balancesJSON() {
                members.append(contentsOf: balanceMembers)
            }
            return .object(members)
        }
    }

    /// Violations reported by the storage layer are named after what broke there.
    static let storageInvariant = "log_integrity"

    public static func verify(
        directory: String, billing: BillingConfiguration, until bound: Projection.Bound = .end,
        progress: ((Int64) -> Void)? = nil
    ) -> Report {
        verify(directory: directory, billing: billing, until: bound, storage: PosixStorage.shared, progress: progress)
    }

    /// Verifies the log read through `storage` (the simulator's disk; the public overload reads real files).
    package static func verify(
        directory: String, billing: BillingConfiguration, until bound: Projection.Bound = .end,
        storage logStorage: any LogStorage, progress: ((Int64) -> Void)? = nil
    ) -> Report {
        var violations: [Violation] = []
        let storage = verifyLog(directory: directory, storage: logStorage)
        for problem in storage.problems {
            let seq = problem.seq.map { Int64($0) }
            if case .seq(let last) = bound, let seq, seq > last { continue }
            violations.append(
                Violation(invariant: storageInvariant, seq: seq, detail: "\(problem.file) at byte \(problem.offset.map { String($0) } ?? "?"): \(problem.detail)"))
        }

        var verifier = LedgerVerifier(configuration: billing)
        var accounting = AccountingVerifier()
        var recordCount: Int64 = 0
        var lastTime: Timestamp?
        do {
            var reader = try LogReader(directory: directory, fromSeq: 1, storage: logStorage)
            while let record = try reader.next() {
                let seq = Int64(record.seq)
                let time = Timestamp(millisecondsSinceEpoch: record.timeMs)
                if case .seq(let last) = bound, seq > last { break }
                if case .time(let last) = bound, time > last { break }
                if seq != recordCount + 1 {
                    violations.append(
                        Violation(invariant: "seq_contiguous", seq: seq, detail: "expected seq \(recordCount + 1), found \(seq)"))
                }
                if let lastTime, time < lastTime {
                    violations.append(
                        Violation(invariant: "time_monotonic", seq: seq,
                                  detail: "record time \(time.rfc3339) is before the previous \(lastTime.rfc3339)"))
                }
                lastTime = time
                if let decoded = verifier.check(seq: seq, time: time, typeTag: record.type, body: record.body) {
                    accounting.add(LedgerEntry(seq: seq, time: time, record: decoded))
                }
                recordCount += 1
                if let progress, recordCount & 0xFFFF == 0 { progress(recordCount) }
            }
        } catch {
            violations.append(Violation(invariant: storageInvariant, seq: recordCount + 1, detail: "\(error)"))
        }
        violations.append(contentsOf: verifier.finish())
        violations.append(contentsOf: accounting.finish(balances: verifier.state.balances()))
        return Report(recordCount: recordCount, violations: violations, state: verifier.state)
    }
}
