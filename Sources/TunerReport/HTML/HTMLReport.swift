import TunerCore

/// report.html: one self-contained page (inline CSS and SVG; no script, no external request).
///
/// Everything that came from the database or the target goes through `htmlEscaped`; the page also
/// carries a Content-Security-Policy that forbids scripts and remote loads, as a second line of defence.
struct HTMLReport {
    let report: PerformanceReport
    var result: LoadResult { report.result }

    func render() -> String {
        var sections: [(id: String, title: String, body: String)] = [
            ("summary", "Summary", summary()),
            ("parameters", "Test parameters", parameters()),
            ("endpoints", "Endpoints", endpoints()),
            ("database", "Database during the run", HTMLDatabaseSection(result: result).render()),
            ("findings", "Findings", HTMLFindingsSection(findings: result.findingsBySeverity, observedDatabase: result.database != nil).render()),
        ]
        if let usage = result.service {
            let rows = ServiceText.rows(usage, endpoint: result.soleEndpoint).map { [$0.label.htmlEscaped, $0.value.htmlEscaped] }
            sections.insert(("service", "The service during the run", HTML.table(headers: ["figure", "value"], rows: rows)), at: 3)
        }
        if let profile = result.profile {
            let body = "<p>\(ProfileText.summary(profile).htmlEscaped)</p>"
                + (ProfileText.placeToAct(profile).map { "<p><strong>\($0.htmlEscaped)</strong></p>" } ?? "")
                + (profile.stacks.map { "<div class=\"flame\">" + FlameGraphSVG.render($0, highlight: profile.placeToAct?.name) + "</div>"
                    + "<p>Each box is a function, as wide as its share of the samples, above the function that called it; hover "
                    + "for its name and share. The folded stacks are in profile.folded beside this report (speedscope, "
                    + "inferno or flamegraph.pl read them).</p>" } ?? "")
                + HTML.table(headers: ProfileText.headers, numeric: [1, 2], rows: ProfileText.rows(profile).map { $0.map(\.htmlEscaped) })
            sections.insert(("profile", "CPU profile of the service", body), at: result.service == nil ? 3 : 4)
        }
        if let capacity = result.capacity {
            sections.insert(("capacity", "Capacity", HTMLCapacitySection(
                capacity: capacity, thresholds: result.thresholds.map(\.threshold)).render()), at: 1)
        }
        let recommendations = HTMLFindingsSection.recommendations(result.recommendations)
        if !recommendations.isEmpty { sections.append(("recommendations", "Recommended changes", recommendations)) }
        if let comparison = report.comparison, let baseline = report.baseline {
            sections.append(("comparison", "Before and after",
                             HTMLComparisonSection(comparison: comparison, baseline: baseline, result: result,
                                                   steps: report.log?.steps ?? []).render()))
        }
        if let log = report.log { sections.append(("log", "Optimization log", HTMLComparisonSection.log(log))) }
        for (index, sweep) in report.sweeps.enumerated() {
            let cells = SweepTable(sweep)
            let charts = SweepCharts.charts(sweep).map { HTML.figure($0.title, "green: the knee", $0.chart) }
            let body = (charts.isEmpty ? "" : "<div class=\"grid2\">\(charts.joined())</div>")
                + HTML.table(headers: cells.headers, numeric: Set(cells.numeric),
                                  rows: cells.rows.map { $0.map(\.htmlEscaped) })
                + "<ul class=\"notes\">" + SweepText.footnotes(sweep).map { "<li>\($0.htmlEscaped)</li>" }.joined() + "</ul>"
            sections.append(("sweep-\(index + 1)", SweepText.title(sweep), body))
        }
        if !result.notes.isEmpty {
            sections.append(("notes", "Notes", "<ul class=\"notes\">" + result.notes.map { "<li>\($0.htmlEscaped)</li>" }.joined() + "</ul>"))
        }
        let nav = sections.map { "<a href=\"#\($0.id)\">\($0.title.htmlEscaped)</a>" }.joined()
        let body = sections.map { "<section id=\"\($0.id)\"><h2>\($0.title.htmlEscaped)</h2>\($0.body)</section>" }.joined(separator: "\n")
        return """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
            <title>Performance report — \(result.configuration.target.htmlEscaped)</title>
            <style>\(HTMLStyle.css)</style></head>
            <body><main>
            \(header())
            <nav>\(nav)</nav>
            \(body)
            <footer>Written by \(result.tool.htmlEscaped) from a result of schema \(result.schemaVersion). \
            Latency from HDR histograms (1 µs – 60 s, 3 significant digits); warm-up excluded from every statistic.</footer>
            </main></body></html>

            """
    }

    private func header() -> String {
        let (cls, text) = result.thresholds.isEmpty ? ("none", "NO THRESHOLDS") : (result.thresholdsPassed ? ("pass", "PASS") : ("fail", "FAIL"))
        return """
            <header class="top"><div class="verdict \(cls)">\(text)</div><div><h1>Performance baseline report</h1>\
            <p class="sub"><code>\(result.configuration.target.htmlEscaped)</code> · \(result.verdictDescription.htmlEscaped) · \
            \(NumberFormat.timestamp(result.startedAt).htmlEscaped) · \(NumberFormat.seconds(result.configuration.durationSeconds)) \
            \(result.configuration.model.htmlEscaped) model</p></div></header>
            """
    }

    private func summary() -> String {
        let o = result.overall
        let overall = report.comparison?.overall
        func kpi(_ label: String, _ value: String, figure: String, metric: (Threshold.Metric) -> Bool) -> String {
            let outcomes = result.thresholds.filter { $0.threshold.scope == "all" && metric($0.threshold.metric) }
            var cls = ""
            var notes: [String] = []
            if !outcomes.isEmpty {
                cls = outcomes.allSatisfy(\.passed) ? " good" : " bad"
                notes += outcomes.map { "target \($0.threshold.limitDescription) \($0.passed ? "✓" : "✗")".htmlEscaped }
            }
            if let change = overall?.figure(figure) {
                let beyond = change.verdict.isBeyondNoise
                notes.append("<span class=\"delta \(beyond ? change.verdict.rawValue : "")\">\(change.changeText.htmlEscaped)</span>"
                             + (beyond ? " vs baseline" : " (noise)"))
            }
            return "<div class=\"kpi\(cls)\"><div class=\"label\">\(label)</div><div class=\"value\">\(value.htmlEscaped)</div>"
                + "<div class=\"note\">\(notes.joined(separator: " · "))</div></div>"
        }
        var out = "<p class=\"lead\">\(NumberFormat.count(o.count)) requests in \(NumberFormat.seconds(o.durationSeconds)) measured"
        out += result.configuration.warmUpSeconds > 0 ? " after \(NumberFormat.seconds(result.configuration.warmUpSeconds)) of warm-up.</p>" : ".</p>"
        out += "<div class=\"kpis\">"
        out += kpi("Throughput", NumberFormat.rate(o.rps), figure: "rps") { $0 == .rps }
        out += kpi("p50", o.latency.text(atPercentile: 50), figure: "p50") { $0 == .percentile(50) }
        out += kpi("p95", o.latency.text(atPercentile: 95), figure: "p95") { $0 == .percentile(95) }
        out += kpi("p99", o.latency.text(atPercentile: 99), figure: "p99") { $0 == .percentile(99) }
        out += kpi("p99.9", o.latency.text(atPercentile: 99.9), figure: "p99.9") { $0 == .percentile(99.9) }
        out += kpi("Errors", NumberFormat.percent(o.errorRate), figure: "error rate") { $0 == .errorRate || $0 == .errors }
        out += "</div>"
        if result.thresholds.isEmpty {
            out += "<p class=\"empty\">No thresholds were set: add <code>thresholds:</code> to the scenario to turn the targets into checks.</p>"
        } else {
            let rows = result.thresholds.map { t -> [String] in
                var measured = t.measuredDescription.htmlEscaped
                if let note = t.note { measured += " <span class=\"empty\">(\(note.htmlEscaped))</span>" }
                return ["<code>\(t.threshold.scope.htmlEscaped)</code>", t.threshold.expression.htmlEscaped, measured,
                        HTML.pill(t.passed ? "pass" : "fail", cls: t.passed ? "pass" : "fail")]
            }
            out += "<h3>Targets</h3>" + HTML.table(headers: ["scope", "target", "measured", "result"], numeric: [2], rows: rows)
        }
        let charts = [
            TimeCharts.throughput(result).map { HTML.figure("Throughput over time", "completed requests per second; shaded: warm-up", $0) },
            TimeCharts.latency(result).map { HTML.figure("Latency percentiles over time", "per second, from the intended start", $0) },
        ].compactMap { $0 }
        if !charts.isEmpty { out += "<div class=\"grid2\" style=\"margin-top:18px\">\(charts.joined())</div>" }
        return out
    }

    private func parameters() -> String {
        let c = result.configuration
        let facts = result.parameterFacts.map { fact -> (String, String) in
            var value = fact.isCode ? "<code>\(fact.value.htmlEscaped)</code>" : fact.value.htmlEscaped
            if let warning = fact.warning { value += " " + HTML.pill(warning, cls: "warning") }
            return (fact.name, value)
        }
        var out = "<dl class=\"facts two\">" + facts.map { "<dt>\($0.0.htmlEscaped)</dt><dd>\($0.1)</dd>" }.joined() + "</dl>"
        if !c.requests.isEmpty {
            let total = max(c.requests.reduce(0) { $0 + $1.weight }, 1)
            let rows = c.requests.map {
                ["<code>\($0.name.htmlEscaped)</code>", $0.method.htmlEscaped, "<code>\($0.path.htmlEscaped)</code>",
                 "\($0.weight) (\(NumberFormat.percent(Double($0.weight) / Double(total))))"]
            }
            out += "<h3>Request mix</h3>" + HTML.table(headers: ["request", "method", "path", "weight"], numeric: [3], rows: rows)
        }
        return out
    }

    private func endpoints() -> String {
        func row(_ s: RequestStats, isTotal: Bool) -> [String] {
            let errors = s.errorCount == 0 ? "0" : "\(NumberFormat.count(s.errorCount)) (\(NumberFormat.percent(s.errorRate)))"
            return [isTotal ? "all" : "<code>\(s.name.htmlEscaped)</code>", NumberFormat.count(s.count), NumberFormat.number(s.rps),
                    s.latency.textWithInterval(atPercentile: 50), s.latency.textWithInterval(atPercentile: 95),
                    s.latency.textWithInterval(atPercentile: 99), s.latency.textWithInterval(atPercentile: 99.9),
                    NumberFormat.millis(s.latency.max), errors]
        }
        var out = "<p class=\"lead\">Latency from each request's intended start (open model) or its send (closed model); in "
            + "brackets, each percentile's 95% interval.</p>"
        if result.hasTooFewPercentiles { out += "<p class=\"empty\">\(LatencySummary.tooFewNote.htmlEscaped).</p>" }
        out += HTML.table(headers: ["endpoint", "requests", "rps", "p50", "p95", "p99", "p99.9", "max", "errors"],
                          numeric: Set(1...8), rows: result.requests.map { row($0, isTotal: false) } + [row(result.overall, isTotal: true)],
                          totalRow: result.requests.count)
        let errors = result.errorBreakdown
        if !errors.isEmpty {
            out += "<p>Errors by kind: " + errors.map { "<code>\($0.kind.htmlEscaped)</code> \(NumberFormat.count($0.count))" }.joined(separator: ", ") + "</p>"
        }
        if let chart = SpectrumChart.render(id: "spectrum", label: "Latency percentile spectrum",
                                            curves: SpectrumChart.curves(of: result), markers: SpectrumChart.markers(result),
                                            width: 1120, height: 340) {
            out += "<div style=\"margin-top:16px\">" + HTML.figure("Latency percentile spectrum",
                "latency at every percentile from the HDR histograms; the x axis spreads the tail (90%, 99%, 99.9%…) evenly; diamonds: latency targets", chart) + "</div>"
        }
        return out
    }
}

/// Small HTML building blocks; arguments are already-escaped HTML.
enum HTML {
    static func pill(_ text: String, cls: String) -> String { "<span class=\"pill \(cls)\">\(text.htmlEscaped)</span>" }

    static func table(headers: [String], numeric: Set<Int> = [], rows: [[String]], totalRow: Int? = nil) -> String {
        var out = "<table><thead><tr>"
        for (i, h) in headers.enumerated() { out += "<th\(numeric.contains(i) ? " class=\"num\"" : "")>\(h.htmlEscaped)</th>" }
        out += "</tr></thead><tbody>"
        for (r, row) in rows.enumerated() {
            out += r == totalRow ? "<tr class=\"total\">" : "<tr>"
            for (i, cell) in row.enumerated() { out += "<td\(numeric.contains(i) ? " class=\"num\"" : "")>\(cell)</td>" }
            out += "</tr>"
        }
        return out + "</tbody></table>"
    }

    static func figure(_ title: String, _ subtitle: String, _ chart: RenderedChart) -> String {
        "<figure><figcaption>\(title.htmlEscaped)<span>\(subtitle.htmlEscaped)</span></figcaption>\(chart.svg)\(chart.legend)</figure>"
    }
}
