import TunerCore

/// `tuner sweep`'s trade-off table and recommendation.
public enum SweepText {
    public static func summary(_ sweep: SweepResult) -> String {
        var header = sweep.parameters
        let isCapacity = sweep.measure == "capacity"
        if isCapacity { header.append("max req/s at SLO") }
        header += ["achieved", "p50", "p95", "p99", "errors", "ready in", "note"]
        var rows: [[String]] = []
        for point in sweep.points {
            var row = sweep.parameters.map { point.values[$0] ?? "" }
            if isCapacity {
                row.append(point.capacity.map { (point.isLowerBound ? "≥ " : "") + CapacityText.rate($0) } ?? "-")
            }
            row += [
                point.achievedRate.map(CapacityText.rate) ?? "-", point.p50.map(CapacityText.millis) ?? "-",
                point.p95.map(CapacityText.millis) ?? "-", point.p99.map(CapacityText.millis) ?? "-",
                point.errors.map { ReportFormat.count($0) } ?? "-",
                point.readySeconds.map { ReportFormat.seconds($0) } ?? "-",
                point.failure.map { "failed: \($0)" } ?? (isKnee(point, sweep) ? "← knee" : ""),
            ]
            rows.append(row)
        }
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
            lines.append("latencies are those of each point's confirmation window, at its own capacity")
        }
        lines.append(sweep.recommendation.map { "recommended: \($0)" } ?? "no recommendation: no point was measured")
        return lines.joined(separator: "\n")
    }

    private static func isKnee(_ point: SweepPoint, _ sweep: SweepResult) -> Bool {
        guard let knee = sweep.knee else { return false }
        return sweep.parameters.allSatisfy { point.values[$0] == knee[$0] }
    }
}
