import TunerCore

/// The human summary of a result: a table per request name, errors, the schedule, the generator,
/// thresholds and notes. `tuner load`, `tuner merge` and `tuner run` print it.
public enum LoadSummary {
    public static func render(_ result: LoadResult) -> String {
        var lines: [String] = []
        let c = result.configuration
        var header = "\(c.target) · \(c.model) model"
        if let profile = c.profile { header += " · \(profile) profile" }
        if let rate = c.rate { header += " · \(NumberFormat.number(rate)) req/s target" }
        header += " · \(c.connections) connections · \(Duration.seconds(c.durationSeconds).shortDescription) measured"
        if c.warmUpSeconds > 0 { header += " (+\(Duration.seconds(c.warmUpSeconds).shortDescription) warm-up)" }
        header += " · \(c.eventLoops) event loop\(c.eventLoops == 1 ? "" : "s")"
        if result.shards > 1 { header += " · \(result.shards) shards merged" }
        lines.append(header)
        lines.append("")
        let rows = result.requests.count == 1 ? result.requests : result.requests + [result.overall]
        let nameWidth = max(rows.map(\.name.count).max() ?? 4, 4)
        let columns = ["requests", "rps", "errors", "mean", "p50", "p90", "p95", "p99", "p99.9", "max"]
        lines.append(pad("name", nameWidth) + columns.map { leftPad($0, 10) }.joined())
        for row in rows {
            let l = row.latency
            let cells = [
                NumberFormat.count(row.count), NumberFormat.number(row.rps), NumberFormat.percent(row.errorRate), NumberFormat.millis(l.mean),
                l.text(atPercentile: 50), l.text(atPercentile: 90), l.text(atPercentile: 95), l.text(atPercentile: 99),
                l.text(atPercentile: 99.9), NumberFormat.millis(l.max),
            ]
            lines.append(pad(row.name, nameWidth) + cells.map { leftPad($0, 10) }.joined())
        }
        lines.append("")
        if let intervals = intervalLine(result.overall.latency) { lines.append(intervals) }
        if rows.contains(where: { row in [50, 90, 95, 99, 99.9].contains { row.latency.isTooFew(atPercentile: $0) } }) {
            lines.append(LatencySummary.tooFewNote)
        }
        let statuses = result.overall.statusCodes.sorted { $0.key < $1.key }.map { "\($0.key) × \($0.value)" }
        if !statuses.isEmpty { lines.append("status: " + statuses.joined(separator: ", ")) }
        if result.overall.errorCount > 0 {
            let errors = result.overall.errors.sorted { $0.value > $1.value }.map { "\($0.key) \($0.value)" }
            lines.append("errors: " + errors.joined(separator: ", "))
        }
        for row in result.requests where (row.skipped ?? 0) > 0 || !(row.expectFailures ?? []).isEmpty {
            var line = "flow step \(row.name):"
            if let skipped = row.skipped, skipped > 0 { line += " \(NumberFormat.count(skipped)) skipped (an earlier step failed)" }
            if let reasons = row.expectFailures, !reasons.isEmpty {
                line += (line.hasSuffix(":") ? " " : "; ") + "failed: " + reasons.joined(separator: "; ")
            }
            lines.append(line)
        }
        if let schedule = result.schedule {
            var line = "schedule: target \(NumberFormat.number(schedule.targetRate)) req/s, achieved \(NumberFormat.number(schedule.achievedRate)) req/s"
            if let arrivals = result.configuration.arrivals {
                line += arrivals == ArrivalProcess.poisson.rawValue
                    ? " · arrivals at random (poisson, seed \(result.configuration.seed.map(String.init) ?? "?"))"
                    : arrivals == ArrivalProcess.uniform.rawValue ? " · arrivals evenly spaced" : " · arrivals \(arrivals)"
            }
            line += " · planned \(schedule.planned), sent \(schedule.sent), late \(schedule.late), dropped \(schedule.dropped)"
            if let expired = schedule.expired, expired > 0 { line += ", timed out waiting \(expired)" }
            if let lag = result.overall.sendLag { line += " · send lag p99 \(NumberFormat.millis(lag.p99))" }
            if let service = result.overall.service { line += " · service time p99 \(NumberFormat.millis(service.p99))" }
            lines.append(line)
        }
        if let connections = result.connections {
            var line = "connections: \(connections.opened) opened"
            if connections.failed > 0 { line += ", \(connections.failed) failed" }
            if connections.opened > 0 {
                line += " · connect p50 \(NumberFormat.millis(connections.connect.p50)) p99 \(NumberFormat.millis(connections.connect.p99))"
            }
            if let handshake = connections.tlsHandshake, connections.opened > 0 {
                line += " · TLS handshake p50 \(NumberFormat.millis(handshake.p50)) p99 \(NumberFormat.millis(handshake.p99))"
            }
            lines.append(line)
        }
        if let tls = result.configuration.tls { lines.append(tls.description) }
        if let service = result.service { lines.append(service.summaryLine) }
        let g = result.generator
        var generator = "generator: CPU \(NumberFormat.number(g.cpuPercentMean))% mean, \(NumberFormat.number(g.cpuPercentMax))% max of \(g.cores) cores"
        if let rss = g.maxResidentBytes { generator += " · peak memory \(ByteSize(bytes: rss).humanDescription)" }
        if g.wasBottleneck { generator += " — the generator was the bottleneck: the numbers understate the target" }
        lines.append(generator)
        if !result.thresholds.isEmpty {
            lines.append("thresholds:")
            let width = result.thresholds.map(\.threshold.description.count).max() ?? 0
            for outcome in result.thresholds {
                var line = "  \(outcome.passed ? "✓" : "✗") \(pad(outcome.threshold.description, width))  \(outcome.measuredDescription)"
                if let note = outcome.note { line += " (\(note))" }
                lines.append(line)
            }
        }
        for note in result.notes { lines.append("note: \(note)") }
        return lines.joined(separator: "\n")
    }

    /// `95% intervals (all): p50 12–13 ms · p95 40–47 ms · p99 ≥ 80 ms`: where each percentile of all requests lies.
    static func intervalLine(_ latency: LatencySummary) -> String? {
        let parts = [(50.0, "p50"), (95, "p95"), (99, "p99"), (99.9, "p99.9")].compactMap { p, label in
            latency.interval(atPercentile: p).map { "\(label) \($0.description)" }
        }
        return parts.isEmpty ? nil : "95% intervals (all): " + parts.joined(separator: " · ")
    }

    private static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count + 1)
    }

    private static func leftPad(_ text: String, _ width: Int) -> String {
        text.count >= width ? " " + text : String(repeating: " ", count: width - text.count) + text
    }
}
