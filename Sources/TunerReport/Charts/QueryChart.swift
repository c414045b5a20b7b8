import TunerCore

/// Top statements by database time during the load, as bars of their share.
enum QueryChart {
    static func render(_ database: DatabaseRun, httpRequests: UInt64, limit: Int = 8) -> RenderedChart? {
        let total = database.totalQueryMilliseconds
        guard total > 0 else { return nil }
        let top = database.queries.sorted { $0.totalMilliseconds > $1.totalMilliseconds }.prefix(limit)
        let rows = top.enumerated().map { i, q in
            let share = q.totalMilliseconds / total
            var text = "\(NumberFormat.percent(share)) · \(NumberFormat.millis(q.totalMilliseconds)) · \(NumberFormat.count(q.calls)) calls · \(NumberFormat.millis(q.meanMilliseconds)) mean"
            if httpRequests > 0 {
                text += " · \(NumberFormat.significant(Double(q.calls) / Double(httpRequests)))/req"
            }
            return HorizontalBarChart.Row(
                label: "\(i + 1). \(q.query)",
                bars: [.init(value: share, color: i == 0 ? ChartPalette.orange : ChartPalette.blue, text: text)],
                tooltip: q.query.collapsingWhitespace)
        }
        let chart = HorizontalBarChart(id: "queries", label: "Top statements by database time", rows: rows,
                                       scaleMaximum: top.first.map { $0.totalMilliseconds / total })
        return RenderedChart(svg: chart.svg(), legend: ChartLegend.html([
            ("share of all database time during the load", ChartPalette.blue, false),
        ]))
    }
}
