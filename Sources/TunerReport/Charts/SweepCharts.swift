import TunerCore

/// A sweep's figures per setting, one bar chart per figure (each in its own unit): capacity or latency, the
/// database's transactions per second, and the service's own figures; the knee's bar is green.
enum SweepCharts {
    static func charts(_ sweep: SweepResult) -> [(title: String, chart: RenderedChart)] {
        let measured = sweep.points.filter { $0.failure == nil }
        guard measured.count >= 2 else { return [] }
        let isKnee = { (point: SweepPoint) in
            sweep.knee.map { knee in sweep.parameters.allSatisfy { point.values[$0] == knee[$0] } } ?? false
        }
        let label = { (point: SweepPoint) in sweep.parameters.map { "\($0)=\(point.values[$0] ?? "")" }.joined(separator: " ") }
        func chart(_ id: String, _ title: String, _ value: (SweepPoint) -> Double?, _ text: (Double) -> String)
            -> (title: String, chart: RenderedChart)?
        {
            let rows = measured.compactMap { point -> HorizontalBarChart.Row? in
                guard let v = value(point) else { return nil }
                let color = isKnee(point) ? ChartPalette.green : ChartPalette.blue
                return .init(label: label(point), bars: [.init(value: v, color: color, text: text(v))],
                             tooltip: "\(label(point)): \(text(v))\(isKnee(point) ? " (the knee)" : "")", isMonospace: true)
            }
            guard rows.count >= 2 else { return nil }
            let svg = HorizontalBarChart(id: "sweep-\(id)", label: title, width: 560, rows: rows).svg()
            return (title, RenderedChart(svg: svg, legend: ""))
        }
        var out: [(title: String, chart: RenderedChart)?] = []
        if sweep.measure == "capacity" {
            out.append(chart("capacity", "Max req/s at the SLO", { $0.capacity }, { CapacityText.rate($0) + " req/s" }))
            if let common = sweep.commonRate {
                out.append(chart("p95", "p95 at \(CapacityText.rate(common)) req/s", { $0.atCommonRate?.p95 }, NumberFormat.millis))
            }
        } else {
            out.append(chart("p95", "p95 at \(sweep.measure.replacingOccurrences(of: "rate=", with: "")) req/s", { $0.p95 }, NumberFormat.millis))
        }
        out.append(chart("transactions", "Database transactions per second", { $0.database?.transactionsPerSecond },
                         NumberFormat.significant))
        let names = Array(Set(measured.flatMap { ($0.service ?? [:]).keys })).sorted()
        for (index, name) in names.enumerated() {
            out.append(chart("service-\(index)", name, { $0.service?[name] }, NumberFormat.significant))
        }
        return out.compactMap { $0 }
    }
}
