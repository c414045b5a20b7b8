import ArgumentParser
import Foundation
import TunerConsole
import TunerLoad
import TunerOrchestration
import TunerReport

/// `tuner alerts`: Prometheus alerting rules from a scenario's thresholds, plus pool saturation.
struct AlertsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alerts",
        abstract: "Prometheus alerting rules from a scenario's thresholds.",
        discussion: """
            Turns each latency threshold into a histogram_quantile alert over the service's request-duration \
            histogram and each error-rate threshold into a ratio of its counts, then adds pool saturation rules.

            The defaults follow the common Prometheus client conventions (http_request_duration_seconds by \
            route, method, status); the demo shop exports them under --metric-prefix demo_shop_. Writes YAML \
            to stdout (or --out), ready for Prometheus' rule_files.
            """
    )

    @Argument(help: "The scenario file whose 'thresholds:' become alerts.")
    var scenario: String

    @Option(name: .shortAndLong, help: ArgumentHelp("Write the rules to this file instead of stdout.", valueName: "FILE"))
    var out: String?

    @Option(help: ArgumentHelp("Rate window of every expression (a Prometheus duration); a windowed threshold ('p99[1m] < 200ms') keeps its own.", valueName: "DURATION"))
    var window: String = "5m"

    @Option(help: ArgumentHelp("Put before every metric name (e.g. demo_shop_ for the demo shop).", valueName: "PREFIX"))
    var metricPrefix: String = ""

    @Option(help: ArgumentHelp("The service's request-duration histogram (seconds), without _bucket.", valueName: "NAME"))
    var latencyMetric: String = AlertRules.MetricNames().requestDuration

    @Option(help: ArgumentHelp("Label holding the route.", valueName: "NAME"))
    var routeLabel: String = AlertRules.MetricNames().routeLabel

    @Option(help: ArgumentHelp("Label holding the HTTP method; empty to match any method.", valueName: "NAME"))
    var methodLabel: String = AlertRules.MetricNames().methodLabel ?? ""

    @Option(help: ArgumentHelp("Label holding the response status code.", valueName: "NAME"))
    var statusLabel: String = AlertRules.MetricNames().statusLabel

    @Option(help: ArgumentHelp("Status codes counted as errors (a regular expression).", valueName: "REGEX"))
    var errorStatus: String = AlertRules.MetricNames().errorStatus

    @Option(help: ArgumentHelp("Gauge of database pool connections in use (a name, optionally with {label=\"value\"}).",
                               valueName: "SELECTOR"))
    var poolInUseMetric: String = AlertRules.MetricNames().poolInUse

    @Option(help: ArgumentHelp("Gauge of the database pool's maximum size.", valueName: "NAME"))
    var poolSizeMetric: String = AlertRules.MetricNames().poolSize

    @Option(help: ArgumentHelp("Gauge of requests waiting for a pool connection.", valueName: "NAME"))
    var poolWaitingMetric: String = AlertRules.MetricNames().poolWaiting

    func validate() throws {
        guard window.range(of: #"^([0-9]+(ms|s|m|h|d|w|y))+$"#, options: .regularExpression) != nil else {
            throw ValidationError("--window '\(window)' is not a Prometheus duration; use e.g. 1m, 5m, 1h")
        }
        let metricName = #"^[a-zA-Z_:][a-zA-Z0-9_:]*$"#
        for (option, value) in [("--latency-metric", latencyMetric), ("--metric-prefix", metricPrefix.isEmpty ? "x" : metricPrefix)]
        where value.range(of: metricName, options: .regularExpression) == nil {
            throw ValidationError("\(option) '\(value)' is not a Prometheus metric name")
        }
        // A gauge may carry a simple label selector: `name{label="value",…}`.
        let matcher = #"[a-zA-Z_][a-zA-Z0-9_]*(=|!=|=~|!~)"[^"\\]*""#
        let selector = #"^[a-zA-Z_:][a-zA-Z0-9_:]*(\{"# + matcher + "(," + matcher + #")*\})?$"#
        for (option, value) in [("--pool-in-use-metric", poolInUseMetric), ("--pool-size-metric", poolSizeMetric),
                                ("--pool-waiting-metric", poolWaitingMetric)]
        where value.range(of: selector, options: .regularExpression) == nil {
            throw ValidationError("\(option) '\(value)' is not a Prometheus metric name or selector")
        }
        let labelName = #"^[a-zA-Z_][a-zA-Z0-9_]*$"#
        for (option, value) in [("--route-label", routeLabel), ("--status-label", statusLabel)]
        where value.range(of: labelName, options: .regularExpression) == nil {
            throw ValidationError("\(option) '\(value)' is not a Prometheus label name")
        }
        if !methodLabel.isEmpty && methodLabel.range(of: labelName, options: .regularExpression) == nil {
            throw ValidationError("--method-label '\(methodLabel)' is not a Prometheus label name")
        }
    }

    func run() async throws {
        var names = AlertRules.MetricNames()
        names.prefix = metricPrefix
        names.requestDuration = latencyMetric
        names.routeLabel = routeLabel
        names.methodLabel = methodLabel.isEmpty ? nil : methodLabel
        names.statusLabel = statusLabel
        names.errorStatus = errorStatus
        names.poolInUse = poolInUseMetric
        names.poolSize = poolSizeMetric
        names.poolWaiting = poolWaitingMetric
        let parsed: AlertScenario
        do {
            // The load engine's reader, so that requests are named as `tuner load` names them.
            let base = URL(fileURLWithPath: scenario).deletingPathExtension().lastPathComponent
            parsed = try AlertScenario(try Scenario(file: scenario), name: base)
        } catch let error as LoadError {
            throw ToolError.usage(error.description)
        } catch {
            throw ToolError.usage("\(scenario): \(error)")
        }
        let yaml: String
        do {
            yaml = try AlertRules(scenario: parsed, metrics: names, window: window).yaml()
        } catch {
            throw ToolError.runtime(String(describing: error))
        }
        guard let out else {
            FileHandle.standardOutput.write(Data(yaml.utf8))
            return
        }
        do {
            try Data(yaml.utf8).write(to: URL(fileURLWithPath: out), options: .atomic)
        } catch {
            throw ToolError.runtime("cannot write \(out): \(error.localizedDescription)")
        }
        Console.note("wrote \(out)")
    }
}
