import Dispatch
import TollgateBilling
import TollgateEngine

/// The history reads of the API — transactions, audit, usage, statements, the accounting journal — answered by the engine's log queries.
///
/// Each query scans the log files read-only (beside the writer, which it never blocks), so it runs off the
/// request's executor on a dispatch queue, and at most ``scanCountMax`` run at once: an excess request gets 503
/// rather than queueing without bound.
public final class LogHistory: Sendable {
    /// Concurrent log scans allowed; each reads the whole log up to its bound.
    public static let scanCountMax = 2

    public let directory: String
    private let inFlight = ScanCounter()

    public init(directory: String) {
        self.directory = directory
    }

    func transactions(_ query: TransactionQuery) async throws -> JSONValue {
        try await scan { directory in try query.run(directory: directory).json }
    }

    func audit(_ query: AuditQuery) async throws -> JSONValue {
        // The per-segment audit index when present (read-only; same answer as a full scan).
        try await scan { directory in
            try query.runIndexed(directory: directory).result.json(initiatedBy: query.initiatedBy)
        }
    }

    func usage(_ query: UsageQuery) async throws -> JSONValue {
        try await scan { directory in query.json(try query.run(directory: directory)) }
    }

    func statement(userID: String, month: CalendarMonth) async throws -> Statement {
        try await scan { directory in try Statement.load(directory: directory, userID: userID, month: month) }
    }

    func journal(day: CalendarDay) async throws -> JournalDay {
        try await scan { directory in try JournalDay.load(directory: directory, day: day) }
    }

    func readiness(at time: Timestamp, criteria: ReadinessCriteria) async throws -> JSONValue {
        try await scan { directory in
            try ReadinessReport.compute(directory: directory, at: time, criteria: criteria).json
        }
    }

    private func scan<T: Sendable>(_ body: @escaping @Sendable (String) throws -> T) async throws -> T {
        guard inFlight.enter(max: Self.scanCountMax) else {
            throw APIError.unavailable("Too many history queries in flight; retry shortly.")
        }
        defer { inFlight.leave() }
        let directory = self.directory
        do {
            return try await withCheckedThrowingContinuation { continuation in
                DispatchQueue.global().async {
                    continuation.resume(with: Result { try body(directory) })
                }
            }
        } catch let error as EngineError {
            throw APIError.unavailable("Reading the log failed: \(error.message)")
        }
    }
}
