import Foundation
import TunerCore
import Yams

/// Prometheus alerting rules from a scenario's thresholds (latency through `histogram_quantile` over
/// the service's request-duration histogram, error rate from its counts) plus connection-pool saturation.
public struct AlertRules: Sendable {
    /// The metric and label names of the service being watched. The defaults are the common
    /// Prometheus client conventions, which the demo shop follows under its `demo_shop_` prefix.
    public struct MetricNames: Sendable {
        /// Put before every metric name (`demo_shop_`).
        public var prefix = ""
        /// Request-duration histogram in seconds, without the `_bucket`/`_count`/`_sum` suffix.
        public var requestDuration = "http_request_duration_seconds"
        public var routeLabel = "route"
        /// Nil leaves the method out of the matchers.
        public var methodLabel: String? = "method"
        public var statusLabel = "status"
        /// Status codes counted as errors (a regular expression).
        public var errorStatus = "5.."
        /// The service's database pool: connections in use, its maximum, requests waiting for one
        /// (a metric name, optionally with a label selector).
        public var poolInUse = #"db_pool_connections{state="in_use"}"#
        public var poolSize = "db_pool_max_connections"
        public var poolWaiting = "db_pool_waiting"

        public init() {}

        var duration: String { prefix + requestDuration }
    }

    public var scenario: AlertScenario
    public var metrics: MetricNames
    /// The rate window of every expression (`5m`) but those of windowed thresholds, which keep their own.
    public var window: String

    public init(scenario: AlertScenario, metrics: MetricNames = MetricNames(), window: String = "5m") {
        self.scenario = scenario
        self.metrics = metrics
        self.window = window
    }

    /// One rule, in the field order Prometheus documents.
    struct Rule: Encodable {
        var alert: String
        var expr: String
        var `for`: String
        var labels: Labels
        var annotations: Annotations

        struct Labels: Encodable {
            var severity: String
            var source = "tuner"
        }

        struct Annotations: Encodable {
            var summary: String
            var description: String
        }
    }

    struct Group: Encodable {
        var name: String
        var rules: [Rule]
    }

    struct File: Encodable {
        var groups: [Group]
    }

    /// Rules and the reasons thresholds were left out.
    func build() -> (rules: [Rule], skipped: [String]) {
        var rules: [Rule] = []
        var skipped: [String] = []
        var names = Set<String>()
        for threshold in scenario.thresholds {
            let scopeName = threshold.scope == "all" ? "" : Self.camelCase(threshold.scope)
            var matchers: [String] = []
            if threshold.scope != "all" {
                guard let route = scenario.requests[threshold.scope] else {
                    skipped.append("\(threshold): no request named '\(threshold.scope)' with a path in the scenario")
                    continue
                }
                matchers.append("\(metrics.routeLabel)=~\(Self.quoted(Self.routePattern(route.path)))")
                if let label = metrics.methodLabel { matchers.append("\(label)=\(Self.quoted(route.method))") }
            }
            let scopeText = threshold.scope == "all" ? "all requests" : threshold.scope
            switch threshold.metric {
            case .max, .min:
                skipped.append("\(threshold): a histogram cannot give the exact \(threshold.metric); use a high percentile instead")
                continue
            case .rps, .count, .errors:
                skipped.append("\(threshold): a load-test target, not a production alert condition")
                continue
            default: break
            }
            guard threshold.comparison == .less || threshold.comparison == .lessOrEqual else {
                skipped.append("\(threshold): only upper limits ('<', '<=') become alerts")
                continue
            }
            // A windowed threshold's own window is the rate window of its alert (`p99[1m]` → `[1m]`).
            let window = threshold.windowSeconds.map { "\(Int($0))s" } ?? self.window
            let rule: Rule
            switch threshold.metric {
            case .percentile(let p):
                let expr = "histogram_quantile(\(Self.number(p / 100)), sum by (le) (rate(\(metrics.duration)_bucket\(Self.selector(matchers))[\(window)]))) > \(Self.number(threshold.limit / 1000))"
                rule = Rule(alert: "\(scopeName)Latency\(Self.camelCase(threshold.metric.description))High", expr: expr, for: "2m",
                            labels: .init(severity: "warning"),
                            annotations: .init(summary: "\(threshold.metric) latency of \(scopeText) above \(NumberFormat.millis(threshold.limit))",
                                               description: "\(threshold.metric) latency of \(scopeText) is {{ $value | humanizeDuration }} over the last \(window); the load-test target is \(threshold.expression)."))
            case .mean:
                let s = Self.selector(matchers)
                let expr = "sum(rate(\(metrics.duration)_sum\(s)[\(window)])) / sum(rate(\(metrics.duration)_count\(s)[\(window)])) > \(Self.number(threshold.limit / 1000))"
                rule = Rule(alert: "\(scopeName)MeanLatencyHigh", expr: expr, for: "2m", labels: .init(severity: "warning"),
                            annotations: .init(summary: "mean latency of \(scopeText) above \(NumberFormat.millis(threshold.limit))",
                                               description: "Mean latency of \(scopeText) is {{ $value | humanizeDuration }} over the last \(window); the load-test target is \(threshold.expression)."))
            case .errorRate:
                let errors = Self.selector(matchers + ["\(metrics.statusLabel)=~\(Self.quoted(metrics.errorStatus))"])
                let expr = "sum(rate(\(metrics.duration)_count\(errors)[\(window)])) / sum(rate(\(metrics.duration)_count\(Self.selector(matchers))[\(window)])) > \(Self.number(threshold.limit))"
                rule = Rule(alert: "\(scopeName)ErrorRateHigh", expr: expr, for: "1m", labels: .init(severity: "critical"),
                            annotations: .init(summary: "error rate of \(scopeText) above \(NumberFormat.percent(threshold.limit))",
                                               description: "{{ $value | humanizePercentage }} of \(scopeText) answered with status \(metrics.errorStatus) over the last \(window); the load-test target is \(threshold.expression)."))
            case .max, .min, .rps, .count, .errors:
                continue  // skipped above
            }
            var unique = rule
            var n = 2
            while names.contains(unique.alert) {
                unique.alert = rule.alert + String(n)
                n += 1
            }
            names.insert(unique.alert)
            rules.append(unique)
        }
        rules += poolRules()
        return (rules, skipped)
    }

    private func poolRules() -> [Rule] {
        [
            Rule(alert: "DatabasePoolSaturated",
                 expr: "max(\(metrics.prefix)\(metrics.poolInUse)) / max(\(metrics.prefix)\(metrics.poolSize)) > 0.8", for: "5m", labels: .init(severity: "warning"),
                 annotations: .init(summary: "database connection pool above 80% in use",
                                    description: "{{ $value | humanizePercentage }} of the service's database pool is in use; increase the pool (see `tuner pool`) or reduce time per query.")),
            Rule(alert: "DatabasePoolWaiters",
                 expr: "max(\(metrics.prefix)\(metrics.poolWaiting)) > 0", for: "2m", labels: .init(severity: "warning"),
                 annotations: .init(summary: "requests are waiting for a database connection",
                                    description: "{{ $value }} requests are queued for a pool connection: the pool is the bottleneck.")),
            Rule(alert: "PostgresConnectionsNearMax",
                 expr: "sum(pg_stat_activity_count) / max(pg_settings_max_connections) > 0.8", for: "5m",
                 labels: .init(severity: "warning"),
                 annotations: .init(summary: "PostgreSQL connections above 80% of max_connections",
                                    description: "{{ $value | humanizePercentage }} of max_connections are used (postgres_exporter metrics); add a pooler such as PgBouncer before raising max_connections.")),
        ]
    }

    /// The rule file as YAML, with a header saying where it came from and what was left out.
    public func yaml() throws(AlertError) -> String {
        let (rules, skipped) = build()
        let file = File(groups: [Group(name: "tuner-\(scenario.name)", rules: rules)])
        let body: String
        do {
            let encoder = YAMLEncoder()
            encoder.options.width = -1  // one line per expression: PromQL reads badly folded
            body = try encoder.encode(file)
        } catch {
            throw AlertError("cannot encode the rules: \(error)")
        }
        var header = "# Prometheus alerting rules written by tuner \(TunerVersion.current) from the thresholds of '\(scenario.name)'"
        if let target = scenario.target { header += " (target \(target))" }
        header += ".\n# Latency alerts read the histogram \(metrics.duration) (seconds) by \(metrics.routeLabel); "
        header += "load with: rule_files: [\"this-file.yaml\"].\n"
        header += "# PostgresConnectionsNearMax needs postgres_exporter; the pool rules need the service's pool gauges.\n"
        for reason in skipped { header += "# not an alert: \(reason.replacingOccurrences(of: "\n", with: " "))\n" }
        return header + body
    }

    /// A PromQL regular expression matching the route a scenario path is served by: the query string
    /// dropped, `${…}` placeholders and path parameters (`:id`, `{id}`) matching one segment.
    static func routePattern(_ path: String) -> String {
        var p = path
        if let scheme = p.range(of: "://") {
            let afterScheme = p[scheme.upperBound...]
            p = afterScheme.firstIndex(of: "/").map { String(afterScheme[$0...]) } ?? "/"
        }
        if let q = p.firstIndex(of: "?") { p = String(p[..<q]) }
        if p.isEmpty { p = "/" }
        let segments = p.split(separator: "/", omittingEmptySubsequences: false).map { segment -> String in
            if segment.contains("${") || segment.hasPrefix(":") || segment.hasPrefix("{") { return "[^/]+" }
            return segment.map { c in "\\.+*?()[]{}|^$".contains(c) ? "\\\(c)" : String(c) }.joined()
        }
        return segments.joined(separator: "/")
    }

    static func selector(_ matchers: [String]) -> String { matchers.isEmpty ? "" : "{" + matchers.joined(separator: ",") + "}" }

    /// A PromQL double-quoted string literal.
    static func quoted(_ s: String) -> String {
        "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    static func number(_ v: Double) -> String {
        let text = String(format: "%.6f", v)
        var trimmed = text
        while trimmed.hasSuffix("0") { trimmed.removeLast() }
        if trimmed.hasSuffix(".") { trimmed.removeLast() }
        return trimmed
    }

    /// `list-products` → `ListProducts`, `p99.9` → `P999`.
    static func camelCase(_ s: String) -> String {
        s.split(whereSeparator: { !$0.isLetter && !$0.isNumber }).map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }
}
