import TunerCore

/// The before/after section of report.md.
struct MarkdownComparison {
    let comparison: RunComparison
    let baseline: LoadResult
    let result: LoadResult

    func render() -> String {
        var out = "## Before and after\n\n"
        out += "Baseline \(NumberFormat.timestamp(baseline.startedAt)) against this run \(NumberFormat.timestamp(result.startedAt)). "
        out += "A change is beyond noise when it is at least \(NumberFormat.percent(comparison.rule.minimumRelativeChange)) "
        out += "and significant at \(NumberFormat.percent(comparison.rule.confidence)) against each run's own second-to-second variation (Welch's t-test on the per-second "
        out += "series; sampling error of the percentile for single endpoints). See docs/report.md.\n\n"
        let figures = comparison.overall.figures.map(\.name)
        var table = MarkdownTable(headers: ["endpoint"] + figures, rightAligned: Set(1...figures.count))
        for endpoint in comparison.endpoints {
            let name = endpoint.name == "all" ? "**all**" : endpoint.name.markdownCode
            switch endpoint.presence {
            case .onlyBefore: table.rows.append([name] + figures.map { _ in "not in this run" })
            case .onlyAfter: table.rows.append([name] + figures.map { _ in "new in this run" })
            case .both:
                table.rows.append([name] + endpoint.figures.map { "\($0.beforeText) → \($0.afterText) (\($0.changeText) \(Self.symbol($0)))" })
            }
        }
        out += table.render()
        out += "\n✅ better beyond noise · ❌ worse beyond noise · ≈ within noise · ? too little data to judge.\n"
        if !comparison.database.isEmpty {
            var db = MarkdownTable(headers: ["database figure", "before", "after", "change", "verdict"], rightAligned: [1, 2, 3])
            db.rows = comparison.database.map { [$0.name, $0.beforeText, $0.afterText, $0.changeText, Self.verdict($0)] }
            out += "\n" + db.render()
        }
        if !comparison.service.isEmpty {
            var service = MarkdownTable(headers: ["service figure", "before", "after", "change", "verdict"], rightAligned: [1, 2, 3])
            service.rows = comparison.service.map { [$0.name, $0.beforeText, $0.afterText, $0.changeText, Self.verdict($0)] }
            out += "\n" + service.render()
        }
        let matched = comparison.queries.filter { !$0.figures.isEmpty || $0.before == nil || $0.after == nil }
        if !matched.isEmpty {
            var q = MarkdownTable(headers: ["statement", "calls/request", "mean time", "verdict"], rightAligned: [1, 2])
            for c in matched {
                let text = c.query.collapsingWhitespace.truncated(to: 100).markdownCode
                guard let calls = c.figures.first(where: { $0.name == "calls per request" }),
                      let mean = c.figures.first(where: { $0.name == "mean time" })
                else {
                    q.rows.append([text, c.before == nil ? "new in this run" : "gone in this run", "", ""])
                    continue
                }
                q.rows.append([text, "\(calls.beforeText) → \(calls.afterText) (\(calls.changeText))",
                               "\(mean.beforeText) → \(mean.afterText) (\(mean.changeText))",
                               "calls \(Self.verdict(calls)); time \(Self.verdict(mean))"])
            }
            out += "\nStatements (top by database time in either run):\n\n" + q.render()
        }
        return out
    }

    static func symbol(_ f: MetricChange) -> String {
        switch f.verdict {
        case .improved: "✅"
        case .regressed: "❌"
        case .withinNoise: "≈"
        case .undecided: "?"
        case .tooFewSamples: "?"
        }
    }

    static func verdict(_ f: MetricChange) -> String {
        switch f.verdict {
        case .improved: "✅ improved"
        case .regressed: "❌ regressed"
        case .withinNoise: "within noise"
        case .undecided: "noise unknown"
        case .tooFewSamples: "too few samples"
        }
    }
}

/// The filled optimization log of report.md.
struct MarkdownOptimizationLog {
    let log: OptimizationLog

    func render() -> String {
        var out = "## Optimization log\n\n"
        if log.steps.count > 2 {
            var table = MarkdownTable(headers: ["step", "throughput", "p50", "p95", "p99", "errors", "thresholds"],
                                      rightAligned: [1, 2, 3, 4, 5])
            for step in log.steps {
                let r = step.result
                let thresholds = r.thresholds.isEmpty ? "—" : "\(r.thresholds.filter(\.passed).count)/\(r.thresholds.count)"
                table.rows.append([step.label.markdownEscaped, NumberFormat.rate(r.overall.rps),
                                   NumberFormat.millis(r.overall.latency.p50), NumberFormat.millis(r.overall.latency.p95),
                                   NumberFormat.millis(r.overall.latency.p99), NumberFormat.percent(r.overall.errorRate),
                                   thresholds])
            }
            out += table.render() + "\n"
        }
        for entry in log.entries {
            out += "### Optimization #\(entry.number): \(entry.name.markdownEscaped)\n\n"
            out += "**Date:** \(NumberFormat.timestamp(entry.date))  \n"
            out += "**Issue:** \(entry.issue.markdownEscaped)  \n"
            out += "**Evidence:** " + (entry.evidence.isEmpty ? "—" : entry.evidence.map(\.markdownEscaped).joined(separator: "; ")) + "\n\n"
            if let hypothesis = entry.hypothesis { out += "**Hypothesis:** \(hypothesis.markdownEscaped)\n\n" }
            out += "**Change:**\n\n" + entry.change.markdownCodeBlock(language: entry.change.looksLikeSQL ? "sql" : "") + "\n\n"
            out += "**Results:**\n"
            out += "- Before: " + entry.before.joined(separator: "; ").markdownEscaped + "\n"
            out += "- After: " + entry.after.joined(separator: "; ").markdownEscaped + "\n"
            out += "- Actual impact:\n" + entry.impact.map { "  - \($0.markdownEscaped)" }.joined(separator: "\n") + "\n\n"
            out += "**Conclusion:** \(entry.conclusion.markdownEscaped)\n\n"
        }
        return out
    }
}
