import CoreMetrics
import Metrics
import Prometheus
import TollgateBilling

/// The service's metrics, through swift-metrics into a Prometheus registry that `GET /metrics` renders.
///
/// Metrics are made with an explicit factory rather than the process-wide `MetricsSystem`, so each application
/// (and each test) has its own registry. `tollgate serve` also bootstraps `MetricsSystem` with the same factory.
public struct TollgateMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    let factory: PrometheusMetricsFactory

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
        self.factory = factory
    }

    /// The factory, for `MetricsSystem.bootstrap` in the serving process.
    public var metricsFactory: any MetricsFactory { factory }

    /// One decided command: `tollgate_decisions_total{op,status,code}`, and the blocked and warned counters.
    func recordDecision(op: String, result: JSONValue) {
        let status = Self.text(result["status"]) ?? "unknown"
        let code = Self.text(result["code"]) ?? "unknown"
        Counter(
            label: "tollgate_decisions_total", dimensions: [("op", op), ("status", status), ("code", code)],
            factory: factory
        ).increment()
        if status == "rejected" {
            Counter(label: "tollgate_blocked_total", dimensions: [("op", op), ("code", code)], factory: factory)
                .increment()
        }
        if case .bool(true)? = result["warned"] {
            Counter(label: "tollgate_warned_total", dimensions: [("op", op)], factory: factory).increment()
        } else if op == "consume", Self.text(result["mode"]) == "warned" {
            Counter(label: "tollgate_warned_total", dimensions: [("op", op)], factory: factory).increment()
        }
    }

    /// Submit to durable result, as a handler waits for it (includes queueing behind other commands).
    func recordCommit(op: String, duration: Duration) {
        Timer(label: "tollgate_commit_duration_seconds", dimensions: [("op", op)], factory: factory)
            .recordNanoseconds(Self.nanoseconds(duration))
    }

    /// One HTTP request, by route template (never the raw path, so ids do not become labels).
    func recordRequest(method: String, route: String, status: Int, duration: Duration) {
        Timer(
            label: "tollgate_http_request_duration_seconds",
            dimensions: [("method", method), ("route", route), ("status", String(status))], factory: factory
        ).recordNanoseconds(Self.nanoseconds(duration))
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
