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
        let headers = CapacityText.stepHeaders(capacity)
        let rows = capacity.steps.map { step -> [String] in
            CapacityText.stepCells(step, metered: CapacityText.isMetered(capacity)).map(\.htmlEscaped)
                + [step.phase == .probe ? "estimate" : step.passed ? HTML.pill("pass", cls: "pass")
                    : HTML.pill(step.isUndecided == true ? "undecided" : "fail", cls: step.isUndecided == true ? "warning" : "fail")
                        + " " + (step.reason ?? "").htmlEscaped]
        }
        out += "<h3>Steps</h3>" + HTML.table(headers: headers + ["verdict"], numeric: Set(1..<headers.count), rows: rows)
        return out
    }
}
