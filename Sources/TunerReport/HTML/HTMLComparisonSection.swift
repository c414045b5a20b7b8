import TunerCore

/// Before/after and the optimization log in report.html.
struct HTMLComparisonSection {
    let comparison: RunComparison
    let baseline: LoadResult
    let result: LoadResult
    /// Every step of a tuning loop (empty or two for a plain baseline comparison).
    let steps: [OptimizationStep]

    func render() -> String {
        var out = "<p class=\"lead\">Baseline of \(NumberFormat.timestamp(baseline.startedAt)) against this run. A change is beyond noise "
            + "when it is at least \(NumberFormat.percent(comparison.rule.minimumRelativeChange)) and significant at \(NumberFormat.percent(comparison.rule.confidence)) against "
            + "each run's own second-to-second variation (docs/report.md).</p>"
        out += "<div class=\"grid2\">"
        out += spectrum()
        out += endpointBars()
        out += "</div>"
        let figures = comparison.overall.figures.map(\.name)
        let rows = comparison.endpoints.map { endpoint -> [String] in
            let name = endpoint.name == "all" ? "all" : "<code>\(endpoint.name.htmlEscaped)</code>"
            switch endpoint.presence {
            case .onlyBefore: return [name] + figures.map { _ in "<span class=\"empty\">not in this run</span>" }
            case .onlyAfter: return [name] + figures.map { _ in "<span class=\"empty\">new in this run</span>" }
            case .both: return [name] + endpoint.figures.map(Self.cell)
            }
        }
        out += "<h3>Endpoints</h3>" + HTML.table(headers: ["endpoint"] + figures, numeric: Set(1...figures.count), rows: rows,
                                                 totalRow: 0)
        out += "<p class=\"empty\">Green: better beyond noise · red: worse beyond noise · gray: within noise · "
            + "italic: too little data to judge. Hover a change for the statistic.</p>"
        if !comparison.database.isEmpty {
            let db = comparison.database.map { [$0.name.htmlEscaped, $0.beforeText, $0.afterText, Self.delta($0), Self.verdict($0)] }
            out += "<h3>Database</h3>" + HTML.table(headers: ["figure", "before", "after", "change", "verdict"], numeric: [1, 2, 3], rows: db)
        }
        if !comparison.service.isEmpty {
            let rows = comparison.service.map { [$0.name.htmlEscaped, $0.beforeText, $0.afterText, Self.delta($0), Self.verdict($0)] }
            out += "<h3>Service</h3>" + HTML.table(headers: ["figure", "before", "after", "change", "verdict"], numeric: [1, 2, 3], rows: rows)
        }
        if !comparison.queries.isEmpty {
            let q = comparison.queries.map { c -> [String] in
                let text = "<code>\(c.query.collapsingWhitespace.truncated(to: 140).htmlEscaped)</code>"
                guard let calls = c.figures.first(where: { $0.name == "calls per request" }),
                      let mean = c.figures.first(where: { $0.name == "mean time" })
                else { return [text, c.before == nil ? "new in this run" : "gone in this run", "", ""] }
                return [text, "\(calls.beforeText) → \(calls.afterText) \(Self.delta(calls))",
                        "\(mean.beforeText) → \(mean.afterText) \(Self.delta(mean))", Self.verdict(mean)]
            }
            out += "<h3>Statements</h3>" + HTML.table(headers: ["statement", "calls per request", "mean time", "time verdict"],
                                                      numeric: [1, 2], rows: q)
        }
        return out
    }

    /// Every step's overall spectrum on one chart (baseline dashed).
    private func spectrum() -> String {
        let runs: [(String, LoadResult)] = steps.count > 2 ? steps.map { ($0.label, $0.result) } : [("baseline", baseline), ("this run", result)]
        let curves = runs.enumerated().compactMap { i, run -> SpectrumChart.Curve? in
            guard let h = try? run.1.overall.latencyHistogram(), h.totalCount > 0 else { return nil }
            let isFirst = i == 0
            return SpectrumChart.Curve(name: run.0, histogram: h,
                                       color: isFirst ? ChartPalette.lightGray : (i == runs.count - 1 ? ChartPalette.blue : ChartPalette.color(i + 1)),
                                       isDashed: isFirst, lineWidth: i == runs.count - 1 ? 2.6 : 2)
        }
        guard let chart = SpectrumChart.render(id: "spectrum-compare", label: "Latency spectrum before and after", curves: curves,
                                               markers: SpectrumChart.markers(result)) else { return "" }
        return HTML.figure("Latency spectrum, before and after", "all requests of each run", chart)
    }

    /// p99 per endpoint, before and after, as paired bars.
    private func endpointBars() -> String {
        let rows = comparison.endpoints.compactMap { e -> HorizontalBarChart.Row? in
            guard let p99 = e.figure("p99") else { return nil }
            return HorizontalBarChart.Row(
                label: e.name, bars: [
                    .init(value: p99.before, color: ChartPalette.lightGray, text: "before \(p99.beforeText)"),
                    .init(value: p99.after, color: p99.verdict == .regressed ? ChartPalette.red : ChartPalette.blue,
                          text: "after \(p99.afterText) (\(p99.changeText))"),
                ], tooltip: "\(e.name): p99 \(p99.beforeText) → \(p99.afterText), \(p99.verdict.rawValue)", isMonospace: false)
        }
        guard !rows.isEmpty else { return "" }
        let chart = HorizontalBarChart(id: "p99-compare", label: "p99 per endpoint before and after", width: 560, rows: rows)
        let legend = ChartLegend.html([("before", ChartPalette.lightGray, false), ("after", ChartPalette.blue, false),
                                       ("regressed", ChartPalette.red, false)])
        return HTML.figure("p99 per endpoint", "before and after", RenderedChart(svg: chart.svg(), legend: legend))
    }

    /// One figure as `before → after` with its change colored by the verdict.
    static func cell(_ f: MetricChange) -> String {
        let cls = switch f.verdict {
        case .improved: "improved"
        case .regressed: "regressed"
        case .withinNoise: "noise"
        case .undecided, .tooFewSamples: "undecided"
        }
        return "<div class=\"pair\"><span class=\"was\">\(f.beforeText.htmlEscaped) →</span> \(f.afterText.htmlEscaped)"
            + "<span class=\"delta \(cls)\" title=\"\(f.verdict.rawValue): \(f.evidence.htmlEscaped)\">\(f.changeText.htmlEscaped)</span></div>"
    }

    static func delta(_ f: MetricChange) -> String {
        let cls = f.verdict.isBeyondNoise ? " class=\"delta \(f.verdict.rawValue)\"" : ""
        return "<span\(cls)>\(f.changeText.htmlEscaped)</span>"
    }

    static func verdict(_ f: MetricChange) -> String {
        let cls = switch f.verdict {
        case .improved: "improved"
        case .regressed: "regressed"
        case .withinNoise, .undecided, .tooFewSamples: "noise"
        }
        return "<span class=\"pill \(cls)\" title=\"\(f.evidence.htmlEscaped)\">\(f.verdict.rawValue.htmlEscaped)</span>"
    }

    /// The filled optimization log: a table of the steps, then one entry per change.
    static func log(_ log: OptimizationLog) -> String {
        var out = ""
        if log.steps.count > 2 {
            let rows = log.steps.map { step -> [String] in
                let r = step.result
                let thresholds = r.thresholds.isEmpty ? "—" : "\(r.thresholds.filter(\.passed).count)/\(r.thresholds.count)"
                return [step.label.htmlEscaped, NumberFormat.rate(r.overall.rps), NumberFormat.millis(r.overall.latency.p50),
                        NumberFormat.millis(r.overall.latency.p95), NumberFormat.millis(r.overall.latency.p99),
                        NumberFormat.percent(r.overall.errorRate), thresholds]
            }
            out += HTML.table(headers: ["step", "throughput", "p50", "p95", "p99", "errors", "thresholds"],
                              numeric: [1, 2, 3, 4, 5, 6], rows: rows)
        }
        for entry in log.entries {
            out += "<div class=\"log-entry\"><h3>Optimization #\(entry.number): \(entry.name.htmlEscaped)</h3><dl class=\"facts\">"
            out += "<dt>Date</dt><dd>\(NumberFormat.timestamp(entry.date))</dd>"
            out += "<dt>Issue</dt><dd>\(entry.issue.htmlEscaped)</dd>"
            out += "<dt>Evidence</dt><dd>\(entry.evidence.isEmpty ? "—" : entry.evidence.map(\.htmlEscaped).joined(separator: "; "))</dd>"
            if let hypothesis = entry.hypothesis { out += "<dt>Hypothesis</dt><dd>\(hypothesis.htmlEscaped)</dd>" }
            out += "<dt>Change</dt><dd><pre>\(entry.change.htmlEscaped)</pre></dd>"
            out += "<dt>Before</dt><dd>\(entry.before.joined(separator: "; ").htmlEscaped)</dd>"
            out += "<dt>After</dt><dd>\(entry.after.joined(separator: "; ").htmlEscaped)</dd>"
            out += "<dt>Impact</dt><dd>" + entry.impact.map { "<div>\($0.htmlEscaped)</div>" }.joined() + "</dd>"
            out += "<dt>Conclusion</dt><dd><b>\(entry.conclusion.htmlEscaped)</b></dd></dl></div>"
        }
        return out
    }
}
