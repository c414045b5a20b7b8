import Foundation
import TunerCore

/// The latency percentile spectrum: latency against percentile on HdrHistogram's log axis, one curve
/// per histogram. It shows the whole distribution, tail included, where a table shows five numbers.
enum SpectrumChart {
    /// One curve: a name, its histogram, and how to draw it.
    struct Curve {
        var name: String
        var histogram: LatencyHistogram
        var color: String
        var isDashed = false
        var lineWidth = 2.0
    }

    /// The curves of a run: `all` (drawn thickest, on top), then every endpoint.
    static func curves(of result: LoadResult) -> [Curve] {
        var curves: [Curve] = []
        if let h = try? result.overall.latencyHistogram(), h.totalCount > 0 {
            curves.append(Curve(name: result.requests.count > 1 ? "all requests" : (result.requests.first?.name ?? "all"),
                                histogram: h, color: "#0f172a", lineWidth: 2.6))
        }
        if result.requests.count > 1 {
            for (i, stats) in result.requests.enumerated() {
                guard let h = try? stats.latencyHistogram(), h.totalCount > 0 else { continue }
                curves.append(Curve(name: stats.name, histogram: h, color: ChartPalette.color(i + 1), lineWidth: 1.6))
            }
        }
        return curves
    }

    /// Latency-percentile targets of the run as markers: green when met, red when crossed.
    static func markers(_ result: LoadResult) -> [ChartMarker] {
        result.thresholds.compactMap { outcome in
            guard case .percentile(let q) = outcome.threshold.metric else { return nil }
            let scope = outcome.threshold.scope == "all" ? "" : "\(outcome.threshold.scope) "
            return ChartMarker(x: q, y: outcome.threshold.limit,
                               label: "\(scope)\(outcome.threshold.metric) target \(NumberFormat.millis(outcome.threshold.limit))",
                               color: outcome.passed ? ChartPalette.green : ChartPalette.red)
        }
    }

    static func render(id: String, label: String, curves: [Curve], markers: [ChartMarker] = [], width: Double = 560,
                       height: Double = 300) -> RenderedChart? {
        guard !curves.isEmpty else { return nil }
        let count = curves.map(\.histogram.totalCount).max() ?? 1
        // Show as many nines as the data resolves (at least 99%, at most 99.999%).
        let nines = min(max(Int(log10(Double(max(count, 1))).rounded(.down)), 2), 5)
        let top = 100 * (1 - pow(10, -Double(nines)))
        let steps = 160
        var series: [ChartSeries] = []
        var values: [Double] = []
        for curve in curves {
            let resolved = 100 * (1 - 1 / Double(max(curve.histogram.totalCount, 1)))
            var points: [ChartPoint] = []
            for i in 0...steps {
                let p = 100 * (1 - pow(10, -Double(nines) * Double(i) / Double(steps)))
                guard p <= resolved || i == 0 else { break }
                points.append(ChartPoint(x: p, y: curve.histogram.millis(atPercentile: p)))
            }
            // The maximum closes the curve at the last percentile this curve resolves.
            points.append(ChartPoint(x: min(resolved, top), y: Double(curve.histogram.max) / 1000))
            values += points.map(\.y)
            series.append(ChartSeries(name: curve.name, color: curve.color, points: points, isDashed: curve.isDashed,
                                      lineWidth: curve.lineWidth))
        }
        let positive = values.filter { $0 > 0 }
        let low = positive.min() ?? 0.01
        var high = positive.max() ?? 1
        // Targets near the data widen the axis to show them; far ones sit on the top edge instead.
        if let target = markers.map(\.y).filter({ $0 <= high * 1.6 }).max() { high = max(high, target) }
        let typical = curves.map { $0.histogram.millis(atPercentile: 90) }.max() ?? high
        // Linear, as HdrHistogram plots are, unless a far tail would flatten the rest.
        let y: AxisSpec = typical > 0 && high / typical > 12
            ? .log(min: low, max: high, format: { NumberFormat.number($0) })
            : .linear(min: 0, max: high * 1.08, format: { NumberFormat.number($0) })
        let hoverPercentiles = (0...nines * 4).map { 100 * (1 - pow(10, -Double($0) / 4)) }
        let hover = hoverPercentiles.map { p in
            (x: p, text: "\(percentileName(p)): " + curves.map {
                "\($0.name) \(NumberFormat.millis($0.histogram.millis(atPercentile: p)))"
            }.joined(separator: " · "))
        }
        // Thicker lines last, so the headline curve is drawn over the others; the legend keeps the given order.
        let drawn = series.enumerated().sorted { ($0.element.lineWidth, $0.offset) < ($1.element.lineWidth, $1.offset) }.map(\.element)
        let chart = LineChart(id: id, label: label, width: width, height: height, x: .percentile(nines: nines), y: y,
                              xTitle: "percentile", yTitle: "ms", series: drawn, markers: markers,
                              hover: hover, verticalGrid: true)
        var legend = series.map { ($0.name, $0.color, $0.isDashed) }
        if case .log = y { legend.append(("log scale", "transparent", false)) }
        return RenderedChart(svg: chart.svg(), legend: ChartLegend.html(legend))
    }

    static func percentileName(_ p: Double) -> String {
        let rounded = (p * 1000).rounded() / 1000
        return "p" + (rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded))
    }
}
