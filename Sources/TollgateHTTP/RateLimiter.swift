import Synchronization
import TollgateBilling
import TollgateEngine

/// A fixed-window request counter per key (a user id, a client IP): at most `requestsPerWindow` requests in the
/// window that the key's first request opens; the next request after the window closes opens a new one.
///
/// Why a fixed window rather than a token bucket: the seeds state limits as "N requests per minute", which a
/// window reproduces exactly and explains in one sentence to a client reading `Retry-After`. The cost is a burst of
/// up to 2 × N across a window boundary, which is acceptable for abuse protection.
///
/// Transport policy only: it is not a log record and never changes a billing decision. Time comes from an
/// injected ``Clock`` so tests move it by hand.
///
/// Memory is bounded: at most `trackedKeyCountMax` keys are held. Windows that have closed are swept when the
/// table is full (a sweep runs only once the earliest window has closed, so a full table of live windows costs
/// one comparison per request). A new key that finds the table full of live windows is refused, with
/// `Retry-After` until the earliest window closes: under a flood of distinct keys the limiter fails closed
/// rather than forgetting a key that is over its limit.
public final class RateLimiter: Sendable {
    /// ≈ 100 bytes per key: 100,000 keys ≈ 10 MB per limiter at most.
    public static let trackedKeyCountMaxDefault = 100_000

    /// One key's open window.
    struct Window {
        var startedAt: Timestamp
        var count: Int
    }

    /// What a request gets: allowed, or refused for whole seconds (≥ 1).
    public enum Verdict: Equatable, Sendable {
        case allowed
        case limited(retryAfterSeconds: Int64)
    }

    private struct Table {
        var windows: [String: Window] = [:]
        /// No window closes before this time; a sweep before it would free nothing.
        var earliestEnd = Timestamp(rawValue: .max)
    }

    public let requestsPerWindow: Int
    public let windowMilliseconds: Int64
    public let trackedKeyCountMax: Int
    private let clock: Clock
    private let table = Mutex(Table())

    /// `requestsPerWindow` > 0; a limit of 0 means "no limiter" and is expressed by not building one.
    public init(
        requestsPerWindow: Int, windowMilliseconds: Int64 = Timestamp.millisecondsPerMinute,
        trackedKeyCountMax: Int = RateLimiter.trackedKeyCountMaxDefault, clock: Clock = .system
    ) {
        precondition(requestsPerWindow > 0, "a rate limit is > 0 requests per window")
        precondition(windowMilliseconds > 0 && trackedKeyCountMax > 0)
        self.requestsPerWindow = requestsPerWindow
        self.windowMilliseconds = windowMilliseconds
        self.trackedKeyCountMax = trackedKeyCountMax
        self.clock = clock
    }

    /// Counts one request of `key` now and says whether it may proceed.
    public func admit(_ key: String) -> Verdict {
        let now = clock.now()
        return table.withLock { table in
            if var window = table.windows[key], now.rawValue - window.startedAt.rawValue < windowMilliseconds,
                now >= window.startedAt
            {
                guard window.count < requestsPerWindow else {
                    return .limited(retryAfterSeconds: retryAfterSeconds(windowStart: window.startedAt, now: now))
                }
                window.count += 1
                table.windows[key] = window
                return .allowed
            }
            if table.windows[key] == nil && table.windows.count >= trackedKeyCountMax {
                sweep(&table, now: now)
                if table.windows.count >= trackedKeyCountMax {
                    let earliestStart = Timestamp(rawValue: table.earliestEnd.rawValue - windowMilliseconds)
                    return .limited(retryAfterSeconds: retryAfterSeconds(windowStart: earliestStart, now: now))
                }
            }
            table.windows[key] = Window(startedAt: now, count: 1)
            let end = Timestamp(rawValue: now.rawValue + windowMilliseconds)
            if end < table.earliestEnd { table.earliestEnd = end }
            assert(table.windows.count <= trackedKeyCountMax)
            return .allowed
        }
    }

    /// Keys currently tracked (for tests and the documented bound).
    public var trackedKeyCount: Int { table.withLock { $0.windows.count } }

    /// Whole seconds until the window closes, rounded up, at least 1.
    private func retryAfterSeconds(windowStart: Timestamp, now: Timestamp) -> Int64 {
        let remaining = windowStart.rawValue + windowMilliseconds - now.rawValue
        return max(1, (remaining + 999) / 1000)
    }

    /// Drops closed windows, once the earliest one has closed.
    private func sweep(_ table: inout Table, now: Timestamp) {
        guard now >= table.earliestEnd else { return }
        var earliest = Timestamp(rawValue: .max)
        table.windows = table.windows.filter { _, window in
            let end = Timestamp(rawValue: window.startedAt.rawValue + windowMilliseconds)
            guard now < end, now >= window.startedAt else { return false }
            if end < earliest { earliest = end }
            return true
        }
        table.earliestEnd = earliest
    }
}
