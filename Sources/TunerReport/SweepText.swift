import TunerCore

/// `tuner sweep`'s trade-off table and recommendation.
public enum SweepText {
    public static func summary(_ sweep: SweepResult) -> String {
        let table = SweepTable(sweep)
        let header = table.headers
        let rows = table.rows
        let isCapacity = sweep.measure == "capacity"
        let widths = header.indices.map { column in ([header[column]] + rows.map { $0[column] }).map(\.count).max() ?? 0 }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { index, cell in
                index == cells.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }
        var lines = ["", "sweep of \(sweep.parameters.joined(separator: ", ")) · measure \(sweep.measure) · SLO \(sweep.slo.joined(separator: ", "))", ""]
        lines.append(line(header))
        lines += rows.map(line)
        lines.append("")
        if isCapacity {
            lines.append(sweep.commonRate.map { "latencies are at the common rate \(CapacityText.rate($0)) req/s, measured at every point after its search" }
                ?? "latencies are those of each point's confirmation window, at its own capacity")
        }
        lines.append(sweep.recommendation.map { "recommended: \($0)" } ?? "no recommendation: no point was measured")
        return lines.joined(separator: "\n")
    }

    /// `Sweep of SHOP_POOL_SIZE: capacity at the SLO`, `Sweep of BUFFER_FLUSH_INTERVAL: latency at 20 req/s`.
    public static func title(_ sweep: SweepResult) -> String {
        let what = sweep.measure == "capacity"
            ? "capacity at the SLO"
            : "at " + sweep.measure.replacingOccurrences(of: "rate=", with: "") + " req/s"
        return "Sweep of \(sweep.parameters.joined(separator: " × ")): \(what)"
    }

    /// What the report says under a sweep's table: how it was measured and the recommendation.
    public static func footnotes(_ sweep: SweepResult) -> [String] {
        var lines: [String] = []
        if !sweep.slo.isEmpty { lines.append("SLO: " + sweep.slo.joined(separator: ", ")) }
        if sweep.measure == "capacity" {
            lines.append(sweep.commonRate.map { "Latencies are at the common rate \(CapacityText.rate($0)) req/s, measured at every point after its search." }
                ?? "Latencies are each point's confirmation window's, at its own capacity.")
        }
        if sweep.points.contains(where: { $0.database != nil }) {
            lines.append("Database figures cover each point's whole load (warm-up included), read after the service stopped.")
        }
        lines.append(sweep.recommendation.map { "Recommended: \($0)." } ?? "No recommendation: no point was measured.")
        return lines
    }
}
