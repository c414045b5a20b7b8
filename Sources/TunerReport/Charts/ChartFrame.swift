import Foundation

/// How one axis maps values: its kind, domain and tick label format.
enum AxisSpec: Sendable {
    case linear(min: Double, max: Double, format: @Sendable (Double) -> String)
    case log(min: Double, max: Double, format: @Sendable (Double) -> String)
    /// Seconds of a run: exactly the run's span, ticks at round seconds.
    case time(min: Double, max: Double)
    /// Whole counts (connections) from zero.
    case count(max: Double)
    /// A latency-spectrum percentile axis up to 1 − 10^−nines.
    case percentile(nines: Int)

    func makeScale(pixels: (Double, Double)) -> any ChartScale {
        switch self {
        case .linear(let lo, let hi, let format): LinearScale(min: lo, max: hi, pixels: pixels, format: format)
        case .log(let lo, let hi, let format): LogScale(min: lo, max: hi, pixels: pixels, format: format)
        case .time(let lo, let hi): LinearScale(min: lo, max: hi, pixels: pixels, tickCount: 8, isExact: true, isInteger: true)
        case .count(let hi): LinearScale(min: 0, max: hi, pixels: pixels, isInteger: true)
        case .percentile(let nines): PercentileScale(nines: nines, pixelLower: pixels.0, pixelUpper: pixels.1)
        }
    }
}

/// The plot area of a chart with its scales, grid, ticks and axis titles.
struct ChartFrame {
    let width: Double
    let height: Double
    let x: any ChartScale
    let y: any ChartScale
    let plotLeft: Double
    let plotRight: Double
    let plotTop: Double
    let plotBottom: Double
    /// Unique within the page: clip paths are looked up by id across every inline SVG.
    let id: String

    static let tickSize = 11.0

    init(id: String, width: Double, height: Double, x: AxisSpec, y: AxisSpec) {
        self.id = id
        self.width = width
        self.height = height
        plotTop = 26
        plotBottom = height - 34
        self.y = y.makeScale(pixels: (plotBottom, plotTop))
        let widest = self.y.ticks.map { SVG.textWidth($0.label, size: Self.tickSize) }.max() ?? 20
        plotLeft = Swift.max(40, widest + 14)
        plotRight = width - 18
        self.x = x.makeScale(pixels: (plotLeft, plotRight))
    }

    /// `<svg>` with the clip path of the plot area; pair with `close`.
    func open(label: String) -> String {
        """
        <svg class="chart" viewBox="0 0 \(SVG.n(width)) \(SVG.n(height))" role="img" aria-label="\(label.htmlEscaped)" \
        xmlns="http://www.w3.org/2000/svg"><defs><clipPath id="\(id)-clip"><rect x="\(SVG.n(plotLeft))" \
        y="\(SVG.n(plotTop - 2))" width="\(SVG.n(plotRight - plotLeft))" height="\(SVG.n(plotBottom - plotTop + 4))"/>\
        </clipPath></defs>
        """
    }

    var close: String { "</svg>" }

    /// Opens a group clipped to the plot area.
    var clipped: String { "<g clip-path=\"url(#\(id)-clip)\">" }

    /// Grid lines, tick labels and the axis titles (`yTitle` sits above the y labels: it names the unit).
    func axes(xTitle: String, yTitle: String, verticalGrid: Bool = false) -> String {
        var out = ""
        for (value, label) in y.ticks {
            let py = y.position(value)
            guard py >= plotTop - 0.5, py <= plotBottom + 0.5 else { continue }
            out += "<line x1=\"\(SVG.n(plotLeft))\" x2=\"\(SVG.n(plotRight))\" y1=\"\(SVG.n(py))\" y2=\"\(SVG.n(py))\" class=\"grid\"/>"
            out += SVG.text(label, x: plotLeft - 6, y: py + 3.5, anchor: "end")
        }
        let xTicks = x.ticks.filter { let p = x.position($0.value); return p >= plotLeft - 0.5 && p <= plotRight + 0.5 }
        var lastLabelEnd = -Double.infinity
        for (value, label) in xTicks {
            let px = x.position(value)
            if verticalGrid {
                out += "<line x1=\"\(SVG.n(px))\" x2=\"\(SVG.n(px))\" y1=\"\(SVG.n(plotTop))\" y2=\"\(SVG.n(plotBottom))\" class=\"grid\"/>"
            }
            out += "<line x1=\"\(SVG.n(px))\" x2=\"\(SVG.n(px))\" y1=\"\(SVG.n(plotBottom))\" y2=\"\(SVG.n(plotBottom + 4))\" class=\"axis\"/>"
            // Skip a label that would overlap the previous one.
            let half = SVG.textWidth(label, size: Self.tickSize) / 2
            guard px - half > lastLabelEnd + 4 else { continue }
            lastLabelEnd = px + half
            out += SVG.text(label, x: px, y: plotBottom + 16, anchor: "middle")
        }
        out += "<line x1=\"\(SVG.n(plotLeft))\" x2=\"\(SVG.n(plotRight))\" y1=\"\(SVG.n(plotBottom))\" y2=\"\(SVG.n(plotBottom))\" class=\"axis\"/>"
        out += SVG.text(yTitle, x: plotLeft - 6, y: plotTop - 12, anchor: "end", cls: "axis-title")
        out += SVG.text(xTitle, x: plotRight, y: plotBottom + 30, anchor: "end", cls: "axis-title")
        return out
    }

    /// A shaded stretch of the x axis with its label at the top.
    func band(_ band: ChartBand) -> String {
        let x0 = Swift.max(plotLeft, x.position(band.from))
        let x1 = Swift.min(plotRight, x.position(band.to))
        guard x1 > x0 else { return "" }
        return "<rect x=\"\(SVG.n(x0))\" y=\"\(SVG.n(plotTop))\" width=\"\(SVG.n(x1 - x0))\" height=\"\(SVG.n(plotBottom - plotTop))\" class=\"\(band.isFailure ? "band band-failed" : "band")\"/>"
            + SVG.text(band.label, x: x0 + 4, y: plotTop + 12, cls: "band-label")
    }

    /// A dashed horizontal line with its label above the right end.
    func reference(_ reference: ChartReference) -> String {
        let py = y.position(reference.value)
        guard py >= plotTop - 1, py <= plotBottom + 1 else { return "" }
        return "<line x1=\"\(SVG.n(plotLeft))\" x2=\"\(SVG.n(plotRight))\" y1=\"\(SVG.n(py))\" y2=\"\(SVG.n(py))\" stroke=\"\(reference.color)\" class=\"reference\"/>"
            + SVG.text(reference.label, x: plotRight - 4, y: py - 5, anchor: "end", cls: "reference-label",
                       extra: " fill=\"\(reference.color)\"")
    }

    /// Invisible full-height columns, one per x value, whose tooltips list the values there (no script needed).
    func hoverColumns(_ columns: [(x: Double, text: String)]) -> String {
        guard columns.count > 1 else { return "" }
        var out = "<g class=\"hover\">"
        let positions = columns.map { x.position($0.x) }
        for (i, column) in columns.enumerated() {
            let left = i == 0 ? positions[i] : (positions[i - 1] + positions[i]) / 2
            let right = i == columns.count - 1 ? positions[i] : (positions[i] + positions[i + 1]) / 2
            guard right > left else { continue }
            out += "<rect x=\"\(SVG.n(left))\" y=\"\(SVG.n(plotTop))\" width=\"\(SVG.n(right - left))\" height=\"\(SVG.n(plotBottom - plotTop))\"><title>\(column.text.htmlEscaped)</title></rect>"
        }
        return out + "</g>"
    }
}
