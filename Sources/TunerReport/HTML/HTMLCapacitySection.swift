import TunerCore

/// The capacity search in report.html: the answer, the two curves over the offered rate, every step.
struct HTMLCapacitySection {
    let capacity: CapacityResult
    let thresholds: [Threshold]

    func render() -> String {
        var out = "<ul class=\"notes\">" + CapacityText.headline(capacity).map { "<li>\($0.htmlEscaped)</li>" }.joined() + "</ul>"
        let charts = [
            CapacityCharts.latency(capacity, thresholds: thresholds).map {
                HTML.figure("Latency versus offered load", "each step's measured window; red: the SLO", $0)
            },
            CapacityCharts.throughput(capacity).map {
                HTML.figure("Throughput versus offered load", "responses inside each step's window; dashed: offered", $0)
            },
        ].compactMap { $0 }
        if !charts.isEmpty { out += "<div class=\"grid2\" style=\"margin-top:18px\">\(charts.joined())</div>" }
        let rows = capacity.steps.map { step -> [String] in
            [step.phase.rawValue, step.phase == .probe ? "closed model" : NumberFormat.number(step.offeredRate),
             NumberFormat.number(step.achievedRate), NumberFormat.millis(step.p50), NumberFormat.millis(step.p95),
             NumberFormat.millis(step.p99), NumberFormat.count(step.errors),
             step.phase == .probe ? "estimate" : step.passed ? HTML.pill("pass", cls: "pass")
                 : HTML.pill("fail", cls: "fail") + " " + (step.reason ?? "").htmlEscaped]
        }
        out += "<h3>Steps</h3>" + HTML.table(
            headers: ["phase", "offered req/s", "achieved req/s", "p50", "p95", "p99", "errors", "verdict"],
            numeric: [1, 2, 3, 4, 5, 6], rows: rows)
        return out
    }
}
