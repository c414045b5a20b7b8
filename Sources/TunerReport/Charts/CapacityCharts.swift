import TunerCore

/// The capacity search's curves over the offered rate: latency (the hockey stick) and achieved throughput.
enum CapacityCharts {
    static func steps(_ capacity: CapacityResult) -> [CapacityStep] {
        capacity.steps.filter { $0.phase != .probe && $0.requests > 0 }.sorted { $0.offeredRate < $1.offeredRate }
    }

    /// p50, p95 and p99 against the offered rate, with the latency SLOs as reference lines.
    static func latency(_ capacity: CapacityResult, thresholds: [Threshold]) -> RenderedChart? {
        let steps = steps(capacity)
        guard steps.count >= 2, let top = steps.last?.offeredRate else { return nil }
        let series = [
            ChartSeries(name: "p50", color: ChartPalette.blue, points: steps.map { ChartPoint(x: $0.offeredRate, y: $0.p50) }),
            ChartSeries(name: "p95", color: ChartPalette.purple, points: steps.map { ChartPoint(x: $0.offeredRate, y: $0.p95) }),
            ChartSeries(name: "p99", color: ChartPalette.orange, points: steps.map { ChartPoint(x: $0.offeredRate, y: $0.p99) }),
        ]
        let references = thresholds.compactMap { threshold -> ChartReference? in
            guard threshold.scope == "all", case .percentile = threshold.metric else { return nil }
            return ChartReference(value: threshold.limit, label: "SLO \(threshold.expression)", color: ChartPalette.red)
        }
        let values = steps.flatMap { [$0.p50, $0.p95, $0.p99] }.filter { $0 > 0 }
        let peak = max(values.max() ?? 1, references.map(\.value).max() ?? 0)
        let low = values.min() ?? 0.01
        let y: AxisSpec = peak / max(low, 0.001) > 40
            ? .log(min: max(low, 0.001), max: peak, format: { NumberFormat.number($0) })
            : .linear(min: 0, max: peak * 1.08, format: { NumberFormat.number($0) })
        let chart = LineChart(
            id: "capacity-latency", label: "Latency versus offered load",
            x: .linear(min: 0, max: top * 1.05, format: { NumberFormat.number($0) }), y: y,
            xTitle: "offered req/s", yTitle: "ms", series: series, references: references,
            hover: steps.map { step in
                (x: step.offeredRate, text: "\(NumberFormat.number(step.offeredRate)) req/s: p50 \(NumberFormat.millis(step.p50)) · p95 \(NumberFormat.millis(step.p95)) · p99 \(NumberFormat.millis(step.p99))\(step.passed ? "" : " · failed")")
            }, verticalGrid: true)
        var legend = series.map { ($0.name, $0.color, $0.isDashed) }
        if case .log = y { legend.append(("log scale", "transparent", false)) }
        return RenderedChart(svg: chart.svg(), legend: ChartLegend.html(legend))
    }

    /// Achieved against offered rate: on the diagonal while the service keeps up.
    static func throughput(_ capacity: CapacityResult) -> RenderedChart? {
        let steps = steps(capacity)
        guard steps.count >= 2, let top = steps.last?.offeredRate else { return nil }
        let series = [
            ChartSeries(name: "achieved", color: ChartPalette.blue, points: steps.map { ChartPoint(x: $0.offeredRate, y: $0.achievedRate) }),
            ChartSeries(name: "offered", color: ChartPalette.lightGray, points: [ChartPoint(x: 0, y: 0), ChartPoint(x: top, y: top)],
                        isDashed: true, lineWidth: 1),
        ]
        let references = capacity.maxSustainableRate.map {
            [ChartReference(value: $0, label: "max sustainable \(NumberFormat.number($0)) req/s", color: ChartPalette.green)]
        } ?? []
        let chart = LineChart(
            id: "capacity-throughput", label: "Throughput versus offered load",
            x: .linear(min: 0, max: top * 1.05, format: { NumberFormat.number($0) }),
            y: .linear(min: 0, max: top * 1.08, format: { NumberFormat.number($0) }),
            xTitle: "offered req/s", yTitle: "achieved req/s", series: series, references: references,
            hover: steps.map { (x: $0.offeredRate, text: "\(NumberFormat.number($0.offeredRate)) offered → \(NumberFormat.number($0.achievedRate)) achieved") },
            verticalGrid: true)
        return RenderedChart(svg: chart.svg(), legend: ChartLegend.html(series))
    }
}
