#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// The `Date` response header (RFC 9110 IMF-fixdate, `Tue, 24 Nov 2026 17:52:33 GMT`), formatted at most once a
/// second.
///
/// Hummingbird stamps every router response with the same format from its own (internal) cache; the debit fast
/// path writes its responses itself and stamps them here, so a client sees one format from both.
enum HTTPDate {
    private static let cache = Mutex<(second: Int, text: String)>((-1, ""))

    static var now: String {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        let second = Int(spec.tv_sec)
        return cache.withLock { cached in
            if cached.second != second { cached = (second, format(secondsSinceEpoch: second)) }
            return cached.text
        }
    }

    private static let dayNames = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let monthNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    static func format(secondsSinceEpoch: Int) -> String {
        var time = time_t(secondsSinceEpoch)
        var parts = tm()
        gmtime_r(&time, &parts)
        func twoDigits(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return dayNames[Int(parts.tm_wday)] + ", " + twoDigits(parts.tm_mday) + " " + monthNames[Int(parts.tm_mon)]
            + " \(parts.tm_year + 1900) " + twoDigits(parts.tm_hour) + ":" + twoDigits(parts.tm_min) + ":"
            + twoDigits(parts.tm_sec) + " GMT"
    }
}
