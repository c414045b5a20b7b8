import Foundation
import Testing
import TunerCore
import TunerLoad
import TunerOrchestration
import Yams
@testable import TunerReport

@Suite struct AlertRulesTests {
    static let scenario = """
        target: http://127.0.0.1:8080
        headers: { Authorization: "Bearer ${TOKEN}" }
        scenarios:
          - name: browse
            model: open
            stages: [{ duration: 30s, rate: 200 }]
            requests:
              - { name: list-products, path: "/products?page=1", weight: 8 }
              - { name: product, path: "/products/${random:1..100000}", weight: 4 }
              - { name: order, method: post, path: /orders, body: '{}', weight: 1 }
        thresholds:
          list-products: ["p95 < 100ms", "p99 < 300ms"]
          product: "mean < 20ms"
          order: ["error_rate < 0.5%"]
          all: ["error_rate < 1%", "rps > 500", "max < 2s"]
          ghost: ["p95 < 1s"]
        """

    /// The scenario as `tuner alerts` reads it: the load engine's reader, then what alerts need of it.
    static func parse(_ yaml: String, name: String, source: String = "scenario") throws -> AlertScenario {
        try AlertScenario(try Scenario(yaml: yaml, fileName: source), name: name)
    }

    func rules(_ yaml: String) throws -> [[String: Any]] {
        let loaded = try #require(try Yams.load(yaml: yaml) as? [String: Any])
        let groups = try #require(loaded["groups"] as? [[String: Any]])
        #expect(groups.count == 1)
        return try #require(groups[0]["rules"] as? [[String: Any]])
    }

    @Test func thresholdsBecomeValidPrometheusRules() throws {
        let scenario = try Self.parse(Self.scenario, name: "shop")
        let yaml = try AlertRules(scenario: scenario).yaml()
        let rules = try rules(yaml)
        let byName = Dictionary(uniqueKeysWithValues: rules.map { ($0["alert"] as! String, $0) })
        #expect(byName["ListProductsLatencyP95High"]?["expr"] as? String
            == #"histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{route=~"/products",method="GET"}[5m]))) > 0.1"#)
        #expect(byName["ListProductsLatencyP99High"]?["expr"] as? String
            == #"histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{route=~"/products",method="GET"}[5m]))) > 0.3"#)
        #expect(byName["ProductMeanLatencyHigh"]?["expr"] as? String
            == #"sum(rate(http_request_duration_seconds_sum{route=~"/products/[^/]+",method="GET"}[5m])) / sum(rate(http_request_duration_seconds_count{route=~"/products/[^/]+",method="GET"}[5m])) > 0.02"#)
        #expect(byName["OrderErrorRateHigh"]?["expr"] as? String
            == #"sum(rate(http_request_duration_seconds_count{route=~"/orders",method="POST",status=~"5.."}[5m])) / sum(rate(http_request_duration_seconds_count{route=~"/orders",method="POST"}[5m])) > 0.005"#)
        #expect(byName["ErrorRateHigh"]?["expr"] as? String
            == #"sum(rate(http_request_duration_seconds_count{status=~"5.."}[5m])) / sum(rate(http_request_duration_seconds_count[5m])) > 0.01"#)
        #expect((byName["ErrorRateHigh"]?["labels"] as? [String: Any])?["severity"] as? String == "critical")
        #expect(byName["ErrorRateHigh"]?["for"] as? String == "1m")
        #expect(byName["DatabasePoolSaturated"]?["expr"] as? String == #"max(db_pool_connections{state="in_use"}) / max(db_pool_max_connections) > 0.8"#)
        #expect(byName["DatabasePoolWaiters"] != nil)
        #expect(byName["PostgresConnectionsNearMax"] != nil)
        #expect(rules.count == 8)
        #expect(yaml.contains("# not an alert: rps > 500"))
        #expect(yaml.contains("# not an alert: max < 2s"))
        #expect(yaml.contains("# not an alert: ghost: p95 < 1s: no request named 'ghost'"))
        for rule in rules {
            #expect((rule["annotations"] as? [String: Any])?["summary"] is String)
        }
    }

    @Test func metricNamesAndWindowCanBeChanged() throws {
        var names = AlertRules.MetricNames()
        names.prefix = "shop_"
        names.requestDuration = "latency_seconds"
        names.routeLabel = "handler"
        names.methodLabel = nil
        let scenario = try Self.parse("""
            target: http://127.0.0.1:8080
            scenarios: [{ rate: 1, duration: 1s, requests: [{ name: list, path: /v1.0/items }] }]
            thresholds: { list: ["p99 < 250ms", "p95[30s] < 200ms"] }
            """, name: "x")
        let rules = try rules(AlertRules(scenario: scenario, metrics: names, window: "1m").yaml())
        #expect(rules.first?["expr"] as? String
            == #"histogram_quantile(0.99, sum by (le) (rate(shop_latency_seconds_bucket{handler=~"/v1\\.0/items"}[1m]))) > 0.25"#)
        // A windowed threshold's alert keeps its own window.
        #expect(rules.dropFirst().first?["expr"] as? String
            == #"histogram_quantile(0.95, sum by (le) (rate(shop_latency_seconds_bucket{handler=~"/v1\\.0/items"}[30s]))) > 0.2"#)
        #expect(rules.last?["expr"] as? String == "sum(pg_stat_activity_count) / max(pg_settings_max_connections) > 0.8")
        #expect(rules.contains { $0["expr"] as? String == "max(shop_db_pool_waiting) > 0" })
    }

    @Test func routePatternsMatchTheRouteOfAPath() {
        #expect(AlertRules.routePattern("/products?page=1") == "/products")
        #expect(AlertRules.routePattern("/products/${random:1..100000}") == "/products/[^/]+")
        #expect(AlertRules.routePattern("/users/:id/orders") == "/users/[^/]+/orders")
        #expect(AlertRules.routePattern("http://host:8080/a.b") == "/a\\.b")
        #expect(AlertRules.routePattern("") == "/")
    }

    @Test func badScenariosAreOneLineErrors() {
        let requests = "scenarios: [{ rate: 1, duration: 1s, requests: [{ path: / }] }]\n"
        #expect(throws: LoadError.self) { try Self.parse("thresholds: [oops", name: "x") }
        #expect(throws: AlertError.self) { try Self.parse("target: http://x\n" + requests, name: "x") }
        #expect(throws: LoadError.self) { try Self.parse("target: http://x\n\(requests)thresholds: { all: [\"p95 <\"] }", name: "x") }
        do {
            _ = try Self.parse("target: http://x\n\(requests)thresholds: { all: [\"latency < 5\"] }", name: "x", source: "s.yaml")
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".hasPrefix("s.yaml:3: bad threshold"), "\(error)")
            #expect(!"\(error)".contains("\n"))
        }
    }

    /// A request without a name is `GET /path` in `tuner load`'s results, so a threshold on that name must
    /// find its route here too (alerts named it by its path alone, and such thresholds never matched).
    @Test func anUnnamedRequestIsNamedAsTheLoadNamesIt() throws {
        let scenario = try Self.parse("""
            target: http://127.0.0.1:8080
            scenarios: [{ rate: 1, duration: 1s, requests: [{ path: /health }, { method: post, path: /orders }] }]
            thresholds: { "GET /health": ["p99 < 50ms"], "POST /orders": ["error_rate < 1%"] }
            """, name: "unnamed")
        let plan = try LoadPlan(try Scenario(yaml: """
            target: http://127.0.0.1:8080
            scenarios: [{ rate: 1, duration: 1s, requests: [{ path: /health }, { method: post, path: /orders }] }]
            """))
        #expect(Set(scenario.requests.keys) == Set(plan.scenario.workloads.flatMap(\.requests).map(\.name)))
        let rules = try rules(AlertRules(scenario: scenario).yaml())
        let expressions = rules.compactMap { $0["expr"] as? String }
        #expect(expressions.contains { $0.contains(#"route=~"/health",method="GET""#) && $0.contains("> 0.05") })
        #expect(expressions.contains { $0.contains(#"route=~"/orders",method="POST",status=~"5..""#) })
    }
}
