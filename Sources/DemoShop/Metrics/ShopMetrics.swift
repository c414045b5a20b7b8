import NIOConcurrencyHelpers
import Prometheus

/// The shop's Prometheus metrics, in a registry of its own (two shops in one process, as in tests,
/// do not mix their counts).
final class ShopMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    private let routes = NIOLockedValueBox([RouteKey: RouteMetrics]())
    private let reported = NIOLockedValueBox([String: Int]())

    /// Latency buckets from 1 ms to 10 s.
    static let latencyBuckets: [Duration] = [
        .milliseconds(1), .microseconds(2500), .milliseconds(5), .milliseconds(10), .milliseconds(25),
        .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
        .microseconds(2_500_000), .seconds(5), .seconds(10),
    ]

    private struct RouteKey: Hashable {
        var route: String
        var method: String
        var status: Int
    }

    private struct RouteMetrics {
        var requests: Counter
        var duration: DurationHistogram
    }

    /// Counts one request of `route` and records how long it took.
    func record(route: String, method: String, status: Int, duration: Duration) {
        let key = RouteKey(route: route, method: method, status: status)
        let metrics = routes.withLockedValue { routes in
            if let existing = routes[key] { return existing }
            let labels = [("route", route), ("method", method), ("status", String(status))]
            let made = RouteMetrics(
                requests: registry.makeCounter(
                    descriptor: .init(namespace: "demo_shop", metricName: "http_requests", unitName: "total",
                                      helpText: "HTTP requests by route, method and status"),
                    labels: labels),
                duration: registry.makeDurationHistogram(
                    descriptor: .init(namespace: "demo_shop", metricName: "http_request_duration",
                                      unitName: "seconds",
                                      helpText: "Time from request to response by route, method and status"),
                    labels: labels, buckets: Self.latencyBuckets))
            routes[key] = made
            return made
        }
        metrics.requests.increment()
        metrics.duration.record(duration)
    }

    /// How long buffered audit rows waited before they were durable: from the request that wrote each until
    /// the batch holding it committed (what `BUFFER_FLUSH_INTERVAL` trades against database writes).
    private var auditWait: DurationHistogram {
        registry.makeDurationHistogram(
            descriptor: .init(namespace: "demo_shop", metricName: "audit_durable_wait", unitName: "seconds",
                              helpText: "Time from a request until its buffered audit row was committed"),
            buckets: Self.auditWaitBuckets)
    }

    /// Audit waits from 10 ms to 30 s.
    static let auditWaitBuckets: [Duration] = [
        .milliseconds(10), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
        .seconds(2), .seconds(5), .seconds(10), .seconds(30),
    ]

    /// Records one buffered audit row's wait until it was durable.
    func recordAuditWait(_ wait: Duration) { auditWait.record(wait) }

    /// Sets a gauge to a value read at scrape time.
    func set(_ name: String, help: String, labels: [(String, String)] = [], to value: Int) {
        registry.makeGauge(descriptor: .init(namespace: "demo_shop", metricName: name, unitName: "", helpText: help),
                           labels: labels)
            .set(Double(value))
    }

    /// Brings a counter up to a total kept elsewhere (the cache and the audit log count for themselves).
    func advance(_ name: String, help: String, labels: [(String, String)] = [], to total: Int) {
        let counter = registry.makeCounter(
            descriptor: .init(namespace: "demo_shop", metricName: name, unitName: "total", helpText: help),
            labels: labels)
        let key = name + labels.map { "|\($0.0)=\($0.1)" }.joined()
        let delta = reported.withLockedValue { reported in
            let delta = total - (reported[key] ?? 0)
            if delta > 0 { reported[key] = total }
            return delta
        }
        if delta > 0 { counter.increment(by: Int64(delta)) }
    }

    /// The Prometheus text format.
    func render() -> String { registry.emitToString() }
}
