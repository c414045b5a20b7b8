import TunerCore

/// A chart ready for the page: its SVG and the legend that goes under it.
struct RenderedChart {
    var svg: String
    var legend: String
}

/// The charts over the run's seconds: throughput, latency, connection states.
enum TimeCharts {
    /// The warm-up as a shaded band (nil when the run had none).
    static func warmUpBand(_ result: LoadResult) -> ChartBand? {
        let warm = result.series.filter(\.isWarmUp).map(\.second)
        guard let first = warm.min(), let last = warm.max() else { return nil }
        return ChartBand(from: Double(first), to: Double(last + 1), label: "warm-up (excluded)")
    }

    /// The spans in which a windowed threshold failed (its overlapping failing windows joined), labelled with it.
    static func failedWindowBands(_ result: LoadResult) -> [ChartBand] {
        var bands: [ChartBand] = []
        for outcome in result.thresholds {
            var current: ChartBand?
            for window in outcome.failedWindows ?? [] {
                if var band = current, Double(window.start) <= band.to {
                    band.to = max(band.to, Double(window.end))
                    current = band
                } else {
                    if let band = current { bands.append(band) }
                    current = ChartBand(from: Double(window.start), to: Double(window.end),
                                        label: "\(outcome.threshold.description) failed", isFailure: true)
                }
            }
            if let band = current { bands.append(band) }
        }
        return bands
    }

    /// The percentile each request a windowed latency threshold is scoped to had per second (dashed; at most
    /// three): the line its windows were judged on, which all requests' lines can hide when it is a small share.
    static func scopedLatencies(_ result: LoadResult) -> [ChartSeries] {
        var series: [ChartSeries] = []
        for outcome in result.thresholds where outcome.threshold.windowSeconds != nil && outcome.threshold.scope != "all" {
            let threshold = outcome.threshold
            guard case .percentile(let q) = threshold.metric, series.count < 3 else { continue }
            let name = "\(threshold.scope) \(threshold.metric)"
            guard !series.contains(where: { $0.name == name }) else { continue }
            let points = result.series.compactMap { point -> ChartPoint? in
                guard let encoded = point.part(of: threshold.scope).histogram,
                      let histogram = try? HistogramCodec.decode(encoded), histogram.totalCount > 0 else { return nil }
                return ChartPoint(x: Double(point.second), y: histogram.millis(atPercentile: q))
            }
            guard points.count >= 2 else { continue }
            series.append(ChartSeries(name: name, color: [ChartPalette.teal, ChartPalette.pink, ChartPalette.amber][series.count],
                                      points: points.downsampled(by: Combine.max), isDashed: true))
        }
        return series
    }

    static func xDomain(_ result: LoadResult) -> (Double, Double) {
        let seconds = result.series.map(\.second)
        return (Double(seconds.min() ?? 0), Double((seconds.max() ?? 0) + 1))
    }

    /// Thresholds of the whole run on `metric`, as reference lines.
    static func references(_ result: LoadResult, where matches: (Threshold.Metric) -> Bool) -> [ChartReference] {
        result.thresholds.filter { ($0.threshold.scope == "all") && matches($0.threshold.metric) }.map { outcome in
            let t = outcome.threshold
            return ChartReference(value: t.limit, label: "\(t.metric) target \(t.limitDescription)",
                                  color: outcome.passed ? ChartPalette.green : ChartPalette.red)
        }
    }

    /// Requests and errors per second, with the schedule's target rate in an open-model run.
    static func throughput(_ result: LoadResult) -> RenderedChart? {
        guard result.series.count >= 2 else { return nil }
        let points = result.series
        var series = [ChartSeries(name: "completed requests/s", color: ChartPalette.blue,
                                  points: points.map { ChartPoint(x: Double($0.second), y: Double($0.requests)) }.downsampled(by: Combine.mean),
                                  fillOpacity: 0.10)]
        if points.contains(where: { $0.errors > 0 }) {
            series.append(ChartSeries(name: "errors/s", color: ChartPalette.red,
                                      points: points.map { ChartPoint(x: Double($0.second), y: Double($0.errors)) }.downsampled(by: Combine.max),
                                      fillOpacity: 0.15))
        }
        let isOpen = result.configuration.model == "open"
        if isOpen, points.contains(where: { $0.target != nil }) {
            series.append(ChartSeries(name: "target rate", color: ChartPalette.gray,
                                      points: points.map { ChartPoint(x: Double($0.second), y: $0.target ?? .nan) }.downsampled(by: Combine.mean),
                                      isDashed: true, lineWidth: 1.5))
        }
        let references = Self.references(result) { $0 == .rps }
        let peak = max(series.flatMap { $0.points.map(\.y) }.filter(\.isFinite).max() ?? 1,
                       references.map(\.value).max() ?? 0)
        let hover = points.map { p in
            var text = "\(p.second) s: \(NumberFormat.count(p.requests)) req/s"
            if p.errors > 0 { text += " · \(NumberFormat.count(p.errors)) errors" }
            if isOpen, let target = p.target { text += " · target \(NumberFormat.number(target))" }
            if p.isWarmUp { text += " (warm-up)" }
            return (x: Double(p.second), text: text)
        }
        let domain = xDomain(result)
        let chart = LineChart(
            id: "throughput", label: "Throughput over time", x: .time(min: domain.0, max: domain.1),
            y: .linear(min: 0, max: peak * 1.08, format: { NumberFormat.number($0) }), xTitle: "seconds since start",
            yTitle: "req/s", series: series, bands: warmUpBand(result).map { [$0] } ?? [], references: references,
            hover: hover)
        return RenderedChart(svg: chart.svg(), legend: ChartLegend.html(series))
    }

    /// p50 and p99 of every second (p95 too when the seconds carry histograms), with the run's latency targets.
    static func latency(_ result: LoadResult) -> RenderedChart? {
        let points = result.series.filter { $0.requests > 0 }
        guard points.count >= 2 else { return nil }
        let p95 = MeasuredSeries.decodePercentiles(points, [95])?[95]
        var series = [ChartSeries(name: "p50", color: ChartPalette.blue,
                                  points: points.map { ChartPoint(x: Double($0.second), y: $0.p50) }.downsampled(by: Combine.mean))]
        if let p95 {
            series.append(ChartSeries(name: "p95", color: ChartPalette.purple,
                                      points: zip(points, p95).map { ChartPoint(x: Double($0.second), y: $1) }.downsampled(by: Combine.max)))
        }
        series.append(ChartSeries(name: "p99", color: ChartPalette.orange,
                                  points: points.map { ChartPoint(x: Double($0.second), y: $0.p99) }.downsampled(by: Combine.max)))
        series += scopedLatencies(result)
        let plotted: Set<Double> = p95 == nil ? [50, 99] : [50, 95, 99]
        let references = Self.references(result) {
            if case .percentile(let q) = $0 { return plotted.contains(q) }
            return false
        }
        let values = series.flatMap { $0.points.map(\.y) }.filter { $0.isFinite && $0 > 0 }
        let peak = max(values.max() ?? 1, references.map(\.value).max() ?? 0)
        let typical = points.map(\.p50).sorted()[points.count / 2]
        // A few slow seconds would flatten everything else on a linear axis.
        let y: AxisSpec = typical > 0 && peak / typical > 40
            ? .log(min: max(values.min() ?? 0.01, 0.001), max: peak, format: { NumberFormat.number($0) })
            : .linear(min: 0, max: peak * 1.08, format: { NumberFormat.number($0) })
        let hover = points.enumerated().map { i, p in
            var text = "\(p.second) s: p50 \(NumberFormat.millis(p.p50))"
            if let p95 { text += " · p95 \(NumberFormat.millis(p95[i]))" }
            text += " · p99 \(NumberFormat.millis(p.p99))"
            if p.isWarmUp { text += " (warm-up)" }
            return (x: Double(p.second), text: text)
        }
        let domain = xDomain(result)
        let chart = LineChart(
            id: "latency", label: "Latency percentiles over time", x: .time(min: domain.0, max: domain.1),
            y: y, xTitle: "seconds since start", yTitle: "ms", series: series,
            bands: (warmUpBand(result).map { [$0] } ?? []) + failedWindowBands(result), references: references, hover: hover)
        var legend = series.map { ($0.name, $0.color, $0.isDashed) }
        if case .log = y { legend.append(("log scale", "transparent", false)) }
        return RenderedChart(svg: chart.svg(), legend: ChartLegend.html(legend))
    }

    /// Server connections by state, stacked, with the service's pool drawn over them.
    static func connections(_ result: LoadResult) -> RenderedChart? {
        guard let db = result.database, db.connections.count >= 2 else { return nil }
        let samples = db.connections.sorted { $0.second < $1.second }
        let layers: [(name: String, color: String, values: [Double])] = [
            ("active", ChartPalette.blue, samples.map { Double($0.active) }),
            ("waiting on a lock", ChartPalette.red, samples.map { Double($0.waiting) }),
            ("idle in transaction", ChartPalette.amber, samples.map { Double($0.idleInTransaction) }),
            ("idle", "#cbd5e1", samples.map { Double($0.idle) }),
        ]
        var overlays: [ChartSeries] = []
        let pool = db.pool.sorted { $0.second < $1.second }
        if pool.count >= 2 {
            overlays.append(ChartSeries(name: "service pool in use", color: ChartPalette.purple,
                                        points: pool.map { ChartPoint(x: Double($0.second) + 0.5, y: Double($0.inUse)) }.downsampled(by: Combine.max)))
            if pool.contains(where: { $0.waiting > 0 }) {
                overlays.append(ChartSeries(name: "service pool waiters", color: ChartPalette.pink,
                                            points: pool.map { ChartPoint(x: Double($0.second) + 0.5, y: Double($0.waiting)) }.downsampled(by: Combine.max),
                                            isDashed: true))
            }
        }
        let peak = samples.map(\.total).max() ?? 0
        var references: [ChartReference] = []
        if let size = pool.compactMap(\.size).max() {
            references.append(ChartReference(value: Double(size), label: "pool size \(size)", color: ChartPalette.purple))
        }
        // max_connections only when the run came near it; far above, it would squash the chart.
        if let maxConnections = db.maxConnections, Double(peak) >= Double(maxConnections) * 0.5 {
            references.append(ChartReference(value: Double(maxConnections), label: "max_connections \(maxConnections)",
                                             color: ChartPalette.red))
        }
        var domain = xDomain(result)
        if result.series.isEmpty {
            domain = (Double(samples.first!.second), Double(samples.last!.second + 1))
        }
        let chart = StackedAreaChart(
            id: "connections", label: "Database connections by state", xs: samples.map { Double($0.second) },
            layers: layers, xTitle: "seconds since start", yTitle: "connections", xDomain: domain,
            bands: warmUpBand(result).map { [$0] } ?? [], references: references, overlays: overlays)
        var legend = layers.map { ($0.name, $0.color, false) } + overlays.map { ($0.name, $0.color, $0.isDashed) }
        if let maxConnections = db.maxConnections, Double(peak) < Double(maxConnections) * 0.5 {
            legend.append(("max_connections \(maxConnections) (off the chart)", "transparent", false))
        }
        return RenderedChart(svg: chart.svg(), legend: ChartLegend.html(legend))
    }
}
