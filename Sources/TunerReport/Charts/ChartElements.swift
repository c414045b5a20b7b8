import Foundation

/// One data point of a chart.
struct ChartPoint: Sendable {
    var x: Double
    var y: Double
}

/// A line (optionally with the area under it filled) drawn in one color.
struct ChartSeries: Sendable {
    var name: String
    var color: String
    var points: [ChartPoint]
    var isDashed = false
    var lineWidth = 2.0
    /// Opacity of the area between the line and the bottom of the plot; nil draws the line only.
    var fillOpacity: Double?
}

/// A shaded stretch of the x axis (the warm-up).
struct ChartBand: Sendable {
    var from: Double
    var to: Double
    var label: String
    /// True for a span the run failed in (a windowed threshold's failing windows): drawn in red.
    var isFailure = false
}

/// A horizontal line at a value (a threshold's limit).
struct ChartReference: Sendable {
    var value: Double
    var label: String
    var color: String
}

/// The colors of the report: distinguishable in light mode and for the common color-vision deficiencies.
enum ChartPalette {
    static let blue = "#2563eb"
    static let orange = "#ea580c"
    static let green = "#16a34a"
    static let purple = "#7c3aed"
    static let red = "#dc2626"
    static let teal = "#0d9488"
    static let pink = "#db2777"
    static let amber = "#d97706"
    static let gray = "#64748b"
    static let lightGray = "#94a3b8"

    /// Colors for an open-ended list of series, in order.
    static let sequence = [blue, orange, green, purple, teal, pink, amber, red]

    static func color(_ index: Int) -> String { sequence[index % sequence.count] }
}

/// Text helpers for SVG output.
enum SVG {
    /// A coordinate with at most one decimal.
    static func n(_ v: Double) -> String {
        guard v.isFinite else { return "0" }
        let r = (v * 10).rounded() / 10
        return r == r.rounded() ? String(Int(r)) : String(r)
    }

    /// A path through the points; a non-finite point breaks the line.
    static func path(_ points: [(Double, Double)]) -> String {
        var d = ""
        var pen = false
        for (x, y) in points {
            guard x.isFinite, y.isFinite else {
                pen = false
                continue
            }
            d += (pen ? "L" : "M") + n(x) + " " + n(y)
            pen = true
        }
        return d
    }

    /// Approximate width in pixels of `text` at `size` (for layout; no font metrics without a browser).
    static func textWidth(_ text: String, size: Double, monospace: Bool = false) -> Double {
        Double(text.count) * size * (monospace ? 0.61 : 0.56)
    }

    static func text(_ content: String, x: Double, y: Double, anchor: String = "start", cls: String = "tick",
                     extra: String = "") -> String {
        "<text x=\"\(n(x))\" y=\"\(n(y))\" text-anchor=\"\(anchor)\" class=\"\(cls)\"\(extra)>\(content.htmlEscaped)</text>"
    }
}

/// The legend under a chart, in HTML so that long names wrap.
enum ChartLegend {
    static func html(_ entries: [(String, String, Bool)]) -> String {
        let items = entries.map { entry in
            // A colorless entry is a note about the chart (its scale), not a series.
            let (name, color, isDashed) = entry
            if color == "transparent" { return "<span class=\"note\">\(name.htmlEscaped)</span>" }
            let style = isDashed ? "border-top:2px dashed \(color);height:0" : "background:\(color)"
            return "<span><i style=\"\(style)\"></i>\(name.htmlEscaped)</span>"
        }
        return "<div class=\"legend\">\(items.joined())</div>"
    }

    static func html(_ series: [ChartSeries]) -> String {
        html(series.map { ($0.name, $0.color, $0.isDashed) })
    }
}

extension Array where Element == ChartPoint {
    /// At most `limit` points for long runs: each run of consecutive points becomes one, at the first
    /// point's x, with `combine` of their y values (mean for levels, max for tails and spikes).
    func downsampled(to limit: Int = 900, by combine: ([Double]) -> Double) -> [ChartPoint] {
        guard count > limit, limit > 0 else { return self }
        let size = (count + limit - 1) / limit
        return stride(from: 0, to: count, by: size).map { start in
            let bucket = self[start..<Swift.min(start + size, count)]
            return ChartPoint(x: bucket.first!.x, y: combine(bucket.map(\.y)))
        }
    }
}

/// How downsampling combines the values of a bucket.
enum Combine {
    static func mean(_ values: [Double]) -> Double {
        let finite = values.filter(\.isFinite)
        return finite.isEmpty ? .nan : finite.reduce(0, +) / Double(finite.count)
    }

    static func max(_ values: [Double]) -> Double { values.filter(\.isFinite).max() ?? .nan }
}
