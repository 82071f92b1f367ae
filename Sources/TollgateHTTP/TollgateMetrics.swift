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
        let counters = Mutex<[HandleKey: CoreMetrics.Counter]>([:])
        let timers = Mutex<[HandleKey: CoreMetrics.Timer]>([:])
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
        counter(HandleKey(.decisions, op, status, code)).increment()
        if status == "rejected" {
            counter(HandleKey(.blocked, op, code)).increment()
        }
        if case .bool(true)? = result["warned"] {
            counter(HandleKey(.warned, op)).increment()
        } else if op == "consume", Self.text(result["mode"]) == "warned" {
            counter(HandleKey(.warned, op)).increment()
        }
    }

    /// Submit to durable result, as a handler waits for it (includes queueing behind other commands).
    /// A request refused by a rate limit: `tollgate_rate_limited_total{limit}` (`charge` or `purchase`).
    func recordRateLimited(limit: String) {
        counter(HandleKey(.rateLimited, limit)).increment()
    }

    func recordCommit(op: String, duration: Duration) {
        timer(HandleKey(.commitDuration, op)).recordNanoseconds(Self.nanoseconds(duration))
    }

    /// Commands per group commit, 1 to 4,096 (the writer's batch bound).
    static let batchCommandBuckets: [Double] = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096]

    /// One group commit of the engine's writer: `tollgate_append_batch_commands` (histogram of commands per
    /// batch), `tollgate_append_records_total`, and `tollgate_append_duration_seconds` (histogram of the append:
    /// write plus `fdatasync`, the fsync latency an operator watches).
    public func recordAppend(_ sample: EngineService.CommitSample) {
        handles.batchCommands.record(sample.commandCount)
        counter(HandleKey(.appendRecords)).increment(by: sample.recordCount)
        timer(HandleKey(.appendDuration)).recordNanoseconds(Self.nanoseconds(sample.appendDuration))
    }

    /// One HTTP request, by route template (never the raw path, so ids do not become labels).
    func recordRequest(method: String, route: String, status: Int, duration: Duration) {
        timer(HandleKey(.requestDuration, method, route, Self.statusText(status)))
            .recordNanoseconds(Self.nanoseconds(duration))
    }

    /// The usual statuses as constant strings; others are formatted.
    private static func statusText(_ status: Int) -> String {
        switch status {
        case 200: "200"
        case 402: "402"
        case 404: "404"
        default: String(status)
        }
    }

    /// Looks a counter up by its key without building its dimensions; they are built once, on the first sample.
    private func counter(_ key: HandleKey) -> CoreMetrics.Counter {
        handles.counters.withLock { counters in
            if let counter = counters[key] { return counter }
            let counter = CoreMetrics.Counter(label: key.metric.label, dimensions: key.dimensions, factory: factory)
            counters[key] = counter
            return counter
        }
    }

    private func timer(_ key: HandleKey) -> CoreMetrics.Timer {
        handles.timers.withLock { timers in
            if let timer = timers[key] { return timer }
            let timer = CoreMetrics.Timer(label: key.metric.label, dimensions: key.dimensions, factory: factory)
            timers[key] = timer
            return timer
        }
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

/// A metric and the values of its dimensions, as a dictionary key: hashing a few short strings in place, where
/// the key text it replaced was concatenated (a heap allocation) for every sample.
private struct HandleKey: Hashable {
    enum Metric: Hashable {
        case decisions, blocked, warned, rateLimited, commitDuration, appendRecords, appendDuration, requestDuration

        var label: String {
            switch self {
            case .decisions: "tollgate_decisions_total"
            case .blocked: "tollgate_blocked_total"
            case .warned: "tollgate_warned_total"
            case .rateLimited: "tollgate_rate_limited_total"
            case .commitDuration: "tollgate_commit_duration_seconds"
            case .appendRecords: "tollgate_append_records_total"
            case .appendDuration: "tollgate_append_duration_seconds"
            case .requestDuration: "tollgate_http_request_duration_seconds"
            }
        }

        /// The dimension names, in the order the values are given.
        var dimensionNames: [String] {
            switch self {
            case .decisions: ["op", "status", "code"]
            case .blocked: ["op", "code"]
            case .warned, .commitDuration: ["op"]
            case .rateLimited: ["limit"]
            case .appendRecords, .appendDuration: []
            case .requestDuration: ["method", "route", "status"]
            }
        }
    }

    var metric: Metric
    var first: String
    var second: String
    var third: String

    init(_ metric: Metric, _ first: String = "", _ second: String = "", _ third: String = "") {
        self.metric = metric
        self.first = first
        self.second = second
        self.third = third
    }

    var dimensions: [(String, String)] {
        let names = metric.dimensionNames
        assert(names.count <= 3, "a handle key holds at most three dimension values")
        return Array(zip(names, [first, second, third]))
    }
}
