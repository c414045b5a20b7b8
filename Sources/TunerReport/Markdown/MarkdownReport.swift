import Foundation
import TunerCore

/// report.md: the performance baseline report with every number filled in.
struct MarkdownReport {
    let report: PerformanceReport
    var result: LoadResult { report.result }

    func render() -> String {
        var sections = [header(), summary(), capacity(), parameters(), endpoints(), service(), profile(), database(), findings(),
                        recommendations()]
        if let comparison = report.comparison, let baseline = report.baseline {
            sections.append(MarkdownComparison(comparison: comparison, baseline: baseline, result: result).render())
        }
        if let log = report.log { sections.append(MarkdownOptimizationLog(log: log).render()) }
        sections += report.sweeps.map(Self.sweep)
        sections.append(MarkdownTuningGuide(guide: TuningGuide(report: report)).render())
        sections.append(notes())
        return sections.filter { !$0.isEmpty }.joined(separator: "\n") + "\n"
    }

    private func header() -> String {
        let badge = result.thresholds.isEmpty ? "ℹ️ no thresholds" : (result.thresholdsPassed ? "✅ PASS" : "❌ FAIL")
        return """
            # Performance baseline report

            **\(badge)** — \(result.verdictDescription.markdownEscaped) · target \(result.configuration.target.markdownCode) · \
            \(NumberFormat.timestamp(result.startedAt)) → \(NumberFormat.timestamp(result.finishedAt)) · \(result.tool.markdownEscaped)

            """
    }

    private func summary() -> String {
        let o = result.overall
        var out = "## Summary\n\n"
        out += "\(NumberFormat.count(o.count)) requests in \(NumberFormat.seconds(o.durationSeconds)) measured "
        out += "(\(NumberFormat.rate(o.rps))): p50 \(o.latency.textWithInterval(atPercentile: 50)), "
        out += "p95 \(o.latency.textWithInterval(atPercentile: 95)), p99 \(o.latency.textWithInterval(atPercentile: 99)), "
        out += "p99.9 \(o.latency.textWithInterval(atPercentile: 99.9)); "
        out += "errors \(NumberFormat.percent(o.errorRate)) (\(NumberFormat.count(o.errorCount))).\n\n"
        if result.thresholds.isEmpty {
            out += "No thresholds were set: add `thresholds:` to the scenario to turn the targets into checks.\n"
            return out
        }
        var table = MarkdownTable(headers: ["scope", "target", "measured", "result"], rightAligned: [2])
        for outcome in result.thresholds {
            var measured = outcome.measuredDescription
            if let note = outcome.note { measured += " (\(note))" }
            table.rows.append([outcome.threshold.scope.markdownCode, outcome.threshold.expression.markdownEscaped,
                               measured.markdownEscaped, outcome.passed ? "✅ pass" : "❌ fail"])
        }
        return out + table.render()
    }

    /// The capacity search (`tuner capacity`): the answer and every step.
    private func capacity() -> String {
        guard let capacity = result.capacity else { return "" }
        let out = "## Capacity\n\n" + CapacityText.headline(capacity).map { "- \($0.markdownEscaped)" }.joined(separator: "\n") + "\n\n"
        let headers = CapacityText.stepHeaders(capacity)
        var table = MarkdownTable(headers: headers + ["verdict"], rightAligned: Set(1..<headers.count))
        table.rows = capacity.steps.map { step in
            CapacityText.stepCells(step, metered: CapacityText.isMetered(capacity))
                + [step.phase == .probe ? "estimate" : step.passed ? "pass"
                    : "\(step.isUndecided == true ? "not passed" : "fail"): \((step.reason ?? "").markdownEscaped)"]
        }
        return out + table.render()
    }

    /// A sweep of the service's settings: the trade-off table and the recommendation.
    static func sweep(_ sweep: SweepResult) -> String {
        let cells = SweepTable(sweep)
        var table = MarkdownTable(headers: cells.headers.map(\.markdownEscaped), rightAligned: Set(cells.numeric))
        table.rows = cells.rows.map { $0.map(\.markdownEscaped) }
        return "## \(SweepText.title(sweep).markdownEscaped)\n\n" + table.render() + "\n"
            + SweepText.footnotes(sweep).map { "- \($0.markdownEscaped)" }.joined(separator: "\n") + "\n"
    }

    private func parameters() -> String {
        let c = result.configuration
        var table = MarkdownTable(headers: ["parameter", "value"])
        table.rows = result.parameterFacts.map { fact in
            var value = fact.isCode ? fact.value.markdownCode : fact.value.markdownEscaped
            if let warning = fact.warning { value += " — ⚠️ \(warning.markdownEscaped)" }
            return [fact.name, value]
        }
        var out = "## Test parameters\n\n" + table.render()
        if !c.requests.isEmpty {
            var mix = MarkdownTable(headers: ["request", "method", "path", "weight"], rightAligned: [3])
            let total = max(c.requests.reduce(0) { $0 + $1.weight }, 1)
            mix.rows = c.requests.map {
                [$0.name.markdownCode, $0.method.markdownEscaped, $0.path.markdownCode,
                 "\($0.weight) (\(NumberFormat.percent(Double($0.weight) / Double(total))))"]
            }
            out += "\nRequest mix:\n\n" + mix.render()
        }
        return out
    }

    private func endpoints() -> String {
        var table = MarkdownTable(headers: ["endpoint", "requests", "rps", "p50", "p95", "p99", "p99.9", "max", "errors"],
                                  rightAligned: Set(1...8))
        func row(_ s: RequestStats, bold: Bool) -> [String] {
            let name = bold ? "**all**" : s.name.markdownCode
            let errors = s.errorCount == 0 ? "0" : "\(NumberFormat.count(s.errorCount)) (\(NumberFormat.percent(s.errorRate)))"
            return [name, NumberFormat.count(s.count), NumberFormat.number(s.rps), s.latency.textWithInterval(atPercentile: 50),
                    s.latency.textWithInterval(atPercentile: 95), s.latency.textWithInterval(atPercentile: 99),
                    s.latency.textWithInterval(atPercentile: 99.9), NumberFormat.millis(s.latency.max), errors]
        }
        table.rows = result.requests.map { row($0, bold: false) } + [row(result.overall, bold: true)]
        var out = "## Endpoints\n\nLatency from each request's intended start; warm-up excluded; in brackets, each percentile's "
            + "95% interval.\n\n" + table.render()
        if result.hasTooFewPercentiles { out += "\n" + LatencySummary.tooFewNote.markdownEscaped + ".\n" }
        let errors = result.errorBreakdown
        if !errors.isEmpty {
            out += "\nErrors by kind: " + errors.map { "\($0.kind.markdownEscaped) \(NumberFormat.count($0.count))" }
                .joined(separator: ", ") + ".\n"
        }
        return out
    }

    private func service() -> String {
        guard let usage = result.service else { return "" }
        var table = MarkdownTable(headers: ["figure", "value"])
        table.rows = ServiceText.rows(usage, endpoint: result.soleEndpoint).map { [$0.label.markdownEscaped, $0.value.markdownEscaped] }
        return "## The service during the run\n\n" + table.render()
    }

    private func profile() -> String {
        guard let profile = result.profile else { return "" }
        var table = MarkdownTable(headers: ProfileText.headers, rightAligned: [1, 2])
        table.rows = ProfileText.rows(profile).map { [$0[0].markdownCode, $0[1], $0[2], $0[3].markdownEscaped] }
        return "## CPU profile of the service\n\n" + ProfileText.summary(profile).markdownEscaped + ".\n\n"
            + (ProfileText.placeToAct(profile).map { "**\($0.markdownEscaped)**\n\n" } ?? "")
            + (profile.stacks == nil ? "" : "The flame graph is in report.html; the folded stacks in profile.folded.\n\n")
            + table.render()
    }

    private func database() -> String {
        guard let db = result.database else {
            return "## Database during the run\n\nNot observed: this result comes from a load test alone. "
                + "`tuner run SCENARIO.yaml --db URL` adds the top statements, index usage, connections and cache hit ratio.\n"
        }
        return MarkdownDatabase(database: db, result: result).render()
    }

    private func findings() -> String {
        var out = "## Findings\n\n"
        let findings = result.findingsBySeverity
        guard !findings.isEmpty else {
            return out + (result.database == nil ? "None recorded (findings come from `tuner run`).\n" : "No findings.\n")
        }
        var table = MarkdownTable(headers: ["severity", "finding", "object", "evidence"])
        table.rows = findings.map { f in
            [Self.severityLabel(f.severity), f.title.markdownEscaped, f.object.markdownCode,
             f.evidence.map { "\($0.name.markdownEscaped): \($0.displayValue.markdownEscaped)" }.joined(separator: "; ")]
        }
        out += table.render()
        return out
    }

    private func recommendations() -> String {
        let items = result.recommendations
        guard !items.isEmpty else { return "" }
        var out = "## Recommended changes\n\n"
        for (i, r) in items.enumerated() {
            out += "### \(i + 1). \(r.title.markdownEscaped)\n\n"
            var meta = [Self.severityLabel(r.severity)]
            if let id = r.findingID { meta.append(id.markdownCode) }
            if let object = r.object { meta.append(object.markdownCode) }
            out += meta.joined(separator: " · ") + "\n\n"
            if !r.evidence.isEmpty {
                out += "**Evidence:** " + r.evidence.map(\.markdownEscaped).joined(separator: "; ") + "\n\n"
            }
            out += "**Why:** \(r.why.markdownEscaped)\n\n"
            if let change = r.change {
                let language = change.looksLikeSQL ? "sql" : ""
                out += change.markdownCodeBlock(language: language) + "\n\n"
            }
        }
        return out
    }

    private func notes() -> String {
        guard !result.notes.isEmpty else { return "" }
        return "## Notes\n\n" + result.notes.map { "- \($0.markdownEscaped)" }.joined(separator: "\n") + "\n"
    }

    static func severityLabel(_ s: Severity) -> String {
        switch s {
        case .critical: "🔴 critical"
        case .warning: "🟠 warning"
        case .info: "🔵 info"
        }
    }
}

extension String {
    /// True for text that reads as SQL (for code-block highlighting only).
    var looksLikeSQL: Bool {
        let head = trimmingCharacters(in: .whitespacesAndNewlines).prefix(12).uppercased()
        return ["CREATE", "DROP", "ALTER", "SELECT", "VACUUM", "ANALYZE", "REINDEX", "SET ", "UPDATE", "--"]
            .contains { head.hasPrefix($0) }
    }
}
