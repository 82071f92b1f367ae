import CoreMetrics
import Metrics
import Prometheus
import Synchronization
import TollgateBilling
import TollgateEngine

/// The service's metrics, through swift-metrics into a Prometheus registry that `GET /metrics` renders.
///
/// Metrics are made with an explicit factory rather than the process-wide `MetricsSystem`, so each application
/// (and each test) has its own registry. `tollgate serve` also bootstraps `MetricsSystem` with the same factory.
public struct TollgateMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    let factory: PrometheusMetricsFactory
    private let handles: Handles

    /// Counters and timers by label and dimensions, so a request does not go through the factory (which
    /// sanitizes names and takes the registry's lock) for every sample.
    private final class Handles: Sendable {
        let counters = Mutex<[String: CoreMetrics.Counter]>([:])
        let timers = Mutex<[String: CoreMetrics.Timer]>([:])
        let batchCommands: CoreMetrics.Recorder
        init(factory: PrometheusMetricsFactory) {
            batchCommands = CoreMetrics.Recorder(
                label: "tollgate_append_batch_commands", dimensions: [], aggregate: true, factory: factory)
        }
    }

    /// Request and commit latencies, 100 µs to 2.5 s.
    static let latencyBuckets: [Duration] = [
        .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2),
        .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
        .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500),
    ]

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = Self.latencyBuckets
        factory.valueHistogramBuckets["tollgate_append_batch_commands"] = Self.batchCommandBuckets
        self.factory = factory
        handles = Handles(factory: factory)
    }

    /// The factory, for `MetricsSystem.bootstrap` in the serving process.
    public var metricsFactory: any MetricsFactory { factory }

    /// One decided command: `tollgate_decisions_total{op,status,code}`, and the blocked and warned counters.
    func recordDecision(op: String, result: JSONValue) {
        let status = Self.text(result["status"]) ?? "unknown"
        let code = Self.text(result["code"]) ?? "unknown"
        counter("tollgate_decisions_total", [("op", op), ("status", status), ("code", code)]).increment()
        if status == "rejected" {
            counter("tollgate_blocked_total", [("op", op), ("code", code)]).increment()
        }
        if case .bool(true)? = result["warned"] {
            counter("tollgate_warned_total", [("op", op)]).increment()
        } else if op == "consume", Self.text(result["mode"]) == "warned" {
            counter("tollgate_warned_total", [("op", op)]).increment()
        }
    }

    /// Submit to durable result, as a handler waits for it (includes queueing behind other commands).
    /// A request refused by a rate limit: `tollgate_rate_limited_total{limit}` (`charge` or `purchase`).
    func recordRateLimited(limit: String) {
        counter("tollgate_rate_limited_total", [("limit", limit)]).increment()
    }

    func recordCommit(op: String, duration: Duration) {
        timer("tollgate_commit_duration_seconds", [("op", op)]).recordNanoseconds(Self.nanoseconds(duration))
    }

    /// Commands per group commit, 1 to 4,096 (the writer's batch bound).
    static let batchCommandBuckets: [Double] = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096]

    /// One group commit of the engine's writer: `tollgate_append_batch_commands` (histogram of commands per
    /// batch), `tollgate_append_records_total`, and `tollgate_append_duration_seconds` (histogram of the append:
    /// write plus `fdatasync`, the fsync latency an operator watches).
    public func recordAppend(_ sample: EngineService.CommitSample) {
        handles.batchCommands.record(sample.commandCount)
        counter("tollgate_append_records_total", []).increment(by: sample.recordCount)
        timer("tollgate_append_duration_seconds", []).recordNanoseconds(Self.nanoseconds(sample.appendDuration))
    }

    /// One HTTP request, by route template (never the raw path, so ids do not become labels).
    func recordRequest(method: String, route: String, status: Int, duration: Duration) {
        timer(
            "tollgate_http_request_duration_seconds",
            [("method", method), ("route", route), ("status", String(status))]
        ).recordNanoseconds(Self.nanoseconds(duration))
    }

    private func counter(_ label: String, _ dimensions: [(String, String)]) -> CoreMetrics.Counter {
        let key = Self.key(label, dimensions)
        return handles.counters.withLock { counters in
            if let counter = counters[key] { return counter }
            let counter = CoreMetrics.Counter(label: label, dimensions: dimensions, factory: factory)
            counters[key] = counter
            return counter
        }
    }

    private func timer(_ label: String, _ dimensions: [(String, String)]) -> CoreMetrics.Timer {
        let key = Self.key(label, dimensions)
        return handles.timers.withLock { timers in
            if let timer = timers[key] { return timer }
            let timer = CoreMetrics.Timer(label: label, dimensions: dimensions, factory: factory)
            timers[key] = timer
            return timer
        }
    }

    private static func key(_ label: String, _ dimensions: [(String, String)]) -> String {
        var key = label
        for (name, value) in dimensions {
            key += "\u{1F}"
            key += name
            key += "="
            key += value
        }
        return key
    }

    /// The Prometheus text exposition.
    public func exposition() -> [UInt8] {
        registry.emitToBuffer()
    }

    private static func text(_ value: JSONValue?) -> String? {
        if case .string(let text)? = value { return text }
        return nil
    }

    private static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
