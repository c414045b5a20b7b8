import TunerCore

/// Lines over a shared x axis, with optional shaded bands, reference lines and hover tooltips.
struct LineChart {
    var id: String
    var label: String
    var width = 560.0
    var height = 260.0
    var x: AxisSpec
    var y: AxisSpec
    var xTitle: String
    var yTitle: String
    var series: [ChartSeries]
    var bands: [ChartBand] = []
    var references: [ChartReference] = []
    var markers: [ChartMarker] = []
    /// Tooltips by x value; at most a few hundred are kept so long runs stay small.
    var hover: [(x: Double, text: String)] = []
    var verticalGrid = false

    /// The chart as inline SVG.
    func svg() -> String {
        let frame = ChartFrame(id: id, width: width, height: height, x: x, y: y)
        var out = frame.open(label: label)
        out += bands.map(frame.band).joined()
        out += frame.axes(xTitle: xTitle, yTitle: yTitle, verticalGrid: verticalGrid)
        out += frame.clipped
        for s in series {
            let points = s.points.map { (frame.x.position($0.x), frame.y.position($0.y)) }
            if let opacity = s.fillOpacity, let first = points.first(where: { $0.0.isFinite && $0.1.isFinite }),
               let last = points.last(where: { $0.0.isFinite && $0.1.isFinite }) {
                let area = SVG.path(points) + "L\(SVG.n(last.0)) \(SVG.n(frame.plotBottom))L\(SVG.n(first.0)) \(SVG.n(frame.plotBottom))Z"
                out += "<path d=\"\(area)\" fill=\"\(s.color)\" fill-opacity=\"\(opacity)\" stroke=\"none\"/>"
            }
            let dash = s.isDashed ? " stroke-dasharray=\"6 4\"" : ""
            out += "<path d=\"\(SVG.path(points))\" fill=\"none\" stroke=\"\(s.color)\" stroke-width=\"\(SVG.n(s.lineWidth))\"\(dash) class=\"line\"><title>\(s.name.htmlEscaped)</title></path>"
        }
        out += "</g>"
        out += references.map(frame.reference).joined()
        out += frame.hoverColumns(Self.thinned(hover, to: 400))
        out += frame.markers(markers)
        return out + frame.close
    }

    /// Every k-th element so that at most `limit` remain.
    static func thinned<T>(_ items: [T], to limit: Int) -> [T] {
        guard items.count > limit else { return items }
        let stride = (items.count + limit - 1) / limit
        return items.enumerated().filter { $0.offset % stride == 0 }.map(\.element)
    }
}

/// Layers stacked on top of each other over a shared x axis (connection states over time).
struct StackedAreaChart {
    var id: String
    var label: String
    var width = 560.0
    var height = 260.0
    var xs: [Double]
    /// Bottom layer first; every layer has one value per x.
    var layers: [(name: String, color: String, values: [Double])]
    var xTitle: String
    var yTitle: String
    var xDomain: (Double, Double)
    var bands: [ChartBand] = []
    var references: [ChartReference] = []
    /// Lines drawn over the stack (the service's pool in use).
    var overlays: [ChartSeries] = []

    func svg() -> String {
        // Long runs: average the samples into at most 600 steps (a mean keeps the stack's total exact).
        let size = max(1, (xs.count + 599) / 600)
        let xs = stride(from: 0, to: self.xs.count, by: size).map { self.xs[$0] }
        let layers = self.layers.map { layer in
            (name: layer.name, color: layer.color, values: stride(from: 0, to: self.xs.count, by: size).map { start in
                let chunk = layer.values.dropFirst(start).prefix(size)
                return chunk.isEmpty ? 0 : Combine.mean(Array(chunk))
            })
        }
        var tops = Array(repeating: 0.0, count: xs.count)
        var stacked: [(name: String, color: String, lower: [Double], upper: [Double])] = []
        for layer in layers {
            let lower = tops
            for i in xs.indices { tops[i] += i < layer.values.count ? layer.values[i] : 0 }
            stacked.append((layer.name, layer.color, lower, tops))
        }
        let peak = Swift.max(tops.max() ?? 1, references.map(\.value).max() ?? 0,
                             overlays.flatMap { $0.points.map(\.y) }.max() ?? 0, 1)
        let frame = ChartFrame(id: id, width: width, height: height,
                               x: .time(min: xDomain.0, max: xDomain.1), y: .count(max: peak * 1.05))
        var out = frame.open(label: label)
        out += bands.map(frame.band).joined()
        out += frame.axes(xTitle: xTitle, yTitle: yTitle)
        out += frame.clipped
        for layer in stacked where layer.upper != layer.lower {
            // Step shape: each sample holds for its second, as the counts were.
            var upper: [(Double, Double)] = []
            var lower: [(Double, Double)] = []
            for (i, x) in xs.enumerated() {
                let x0 = frame.x.position(x)
                let x1 = frame.x.position(i + 1 < xs.count ? xs[i + 1] : x + Double(size))
                upper += [(x0, frame.y.position(layer.upper[i])), (x1, frame.y.position(layer.upper[i]))]
                lower += [(x0, frame.y.position(layer.lower[i])), (x1, frame.y.position(layer.lower[i]))]
            }
            let d = SVG.path(upper + lower.reversed()) + "Z"
            out += "<path d=\"\(d)\" fill=\"\(layer.color)\" fill-opacity=\"0.78\" stroke=\"\(layer.color)\" stroke-width=\"0.6\"><title>\(layer.name.htmlEscaped)</title></path>"
        }
        for s in overlays {
            let points = s.points.map { (frame.x.position($0.x), frame.y.position($0.y)) }
            let dash = s.isDashed ? " stroke-dasharray=\"6 4\"" : ""
            out += "<path d=\"\(SVG.path(points))\" fill=\"none\" stroke=\"\(s.color)\" stroke-width=\"\(SVG.n(s.lineWidth))\"\(dash)><title>\(s.name.htmlEscaped)</title></path>"
        }
        out += "</g>"
        out += references.map(frame.reference).joined()
        let hover = xs.enumerated().map { i, x in
            (x: x, text: "\(NumberFormat.number(x)) s: " + layers.map { "\($0.name) \(NumberFormat.number(i < $0.values.count ? $0.values[i] : 0))" }.joined(separator: " · "))
        }
        out += frame.hoverColumns(LineChart.thinned(hover, to: 400))
        return out + frame.close
    }
}
