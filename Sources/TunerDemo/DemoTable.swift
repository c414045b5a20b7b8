import Foundation
import TunerCore
import TunerLoad
import TunerReport

/// The before/after table the demo prints: per endpoint p95 (and errors) for every step, the overall
/// throughput and error rate, and each step's verdict from the optimization log's noise rule.
public enum DemoTable {
    public static func render(_ steps: [OptimizationStep], log: OptimizationLog? = nil) -> String {
        guard let first = steps.first else { return "" }
        let names = first.result.requests.map(\.name)
        var rows: [[String]] = [["", ] + steps.map(\.label)]
        rows.append(["requests/s"] + steps.map { NumberFormat.number($0.result.overall.rps) })
        if steps.contains(where: { $0.result.capacity != nil }) {
            rows.append(["max req/s at SLO"] + steps.map { capacityText($0.result.capacity) })
            rows.append(["  lies in"] + steps.map { $0.result.capacity?.interval?.description ?? "–" })
            // Against the baseline, credited only when the two searches' intervals do not overlap.
            rows.append(["capacity increase"] + steps.enumerated().map { index, step in
                guard index > 0 else { return "" }
                guard let base = first.result.capacity, let capacity = step.result.capacity else { return "–" }
                let comparison = CapacityComparison(before: base, after: capacity)
                guard comparison.isBeyondUncertainty else { return "≈ (overlap)" }
                guard let change = comparison.change else { return comparison.changeText }
                return (change >= 0 ? "+" : "−") + NumberFormat.number(abs(change * 100).rounded()) + "%"
            })
        }
        rows.append(["errors"] + steps.map { errorText($0.result.overall) })
        rows.append(["p95 all"] + steps.map { p95($0.result.overall, withErrors: false) })
        for name in names {
            rows.append(["p95 \(name)"] + steps.map { step in
                step.result.requests.first(where: { $0.name == name }).map { p95($0, withErrors: true) } ?? "–"
            })
        }
        rows.append(["findings"] + steps.map { "\($0.result.findings.count)" })
        var lines = table(rows)
        if steps.contains(where: { step in (step.result.requests + [step.result.overall]).contains { $0.latency.isTooFew(atPercentile: 95) } }) {
            lines.append("≥ X: too few requests to state that p95; at 95% confidence it is at least X (the lower end of its interval)")
        }
        let entries = (log ?? OptimizationLog(steps: steps)).entries
        if !entries.isEmpty { lines.append("") }
        for entry in entries {
            lines.append("\(entry.number). \(steps[entry.number].label): \(entry.conclusion)")
        }
        return lines.joined(separator: "\n")
    }

    /// The maximum sustainable rate, `≥ R` when the search stopped before a failing rate, `none` when no rate met
    /// the SLO.
    private static func capacityText(_ capacity: CapacityResult?) -> String {
        guard let capacity else { return "–" }
        guard let rate = capacity.maxSustainableRate else { return "none" }
        return (capacity.isLowerBound ? "≥ " : "") + NumberFormat.number(rate)
    }

    /// The p95 of the answered requests; "all N failed" when none was answered (a p95 of nothing is not 0 ms). With
    /// too few requests to bound it from above, what they do show: `≥ 1.2 s`, the lower end of its 95% interval.
    private static func p95(_ stats: RequestStats, withErrors: Bool) -> String {
        let errors = stats.errors.values.reduce(0, +)
        if errors >= stats.count { return stats.count == 0 ? "–" : "all \(errors) failed" }
        let value: String
        if stats.latency.isTooFew(atPercentile: 95) {
            let low = stats.latency.interval(atPercentile: 95)?.low ?? 0
            value = low > 0 ? "≥ " + NumberFormat.millis(low) : LatencySummary.tooFew
        } else {
            value = NumberFormat.millis(stats.latency.p95)
        }
        return value + (withErrors && errors > 0 ? " (\(errors) err)" : "")
    }

    private static func errorText(_ stats: RequestStats) -> String {
        let errors = stats.errors.values.reduce(0, +)
        guard stats.count > 0 else { return "–" }
        let share = Double(errors) / Double(stats.count) * 100
        return errors == 0 ? "0" : "\(errors) (\(share >= 10 ? String(Int(share.rounded())) : String(format: "%.1f", share))%)"
    }

    /// Left column left-aligned, the others right-aligned, two spaces apart.
    private static func table(_ rows: [[String]]) -> [String] {
        let columns = rows.map(\.count).max() ?? 0
        let widths = (0..<columns).map { c in rows.map { c < $0.count ? $0[c].count : 0 }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { c, cell in
                let pad = String(repeating: " ", count: widths[c] - cell.count)
                return c == 0 ? cell + pad : pad + cell
            }.joined(separator: "  ")
        }
    }
}
