/// A labelled point drawn over a chart (a threshold's target on the latency spectrum).
struct ChartMarker: Sendable {
    var x: Double
    var y: Double
    var label: String
    var color: String
}

extension ChartFrame {
    /// Diamonds at the points, each labelled to its left (right near the left edge); labels that would
    /// overlap an earlier one move down a line. Points outside the plot are drawn on its edge.
    func markers(_ markers: [ChartMarker]) -> String {
        var placed: [(x0: Double, x1: Double, y: Double)] = []
        var out = ""
        for marker in markers {
            let px = Swift.min(Swift.max(x.position(marker.x), plotLeft), plotRight)
            let isAbove = y.position(marker.y) < plotTop
            let py = Swift.min(Swift.max(y.position(marker.y), plotTop), plotBottom)
            let label = isAbove ? "↑ " + marker.label + " (above the chart)" : marker.label
            let width = SVG.textWidth(label, size: 11)
            let anchorLeft = px - width - 8 > plotLeft
            let x0 = anchorLeft ? px - 8 - width : px + 8
            var labelY = isAbove ? plotTop + 16 : Swift.max(py - 7, plotTop + 4)
            while placed.contains(where: { $0.x0 < x0 + width && x0 < $0.x1 && abs($0.y - labelY) < 13 }) {
                labelY += 13
            }
            placed.append((x0, x0 + width, labelY))
            let s = 5.0
            let diamond = "M\(SVG.n(px)) \(SVG.n(py - s))L\(SVG.n(px + s)) \(SVG.n(py))L\(SVG.n(px)) \(SVG.n(py + s))L\(SVG.n(px - s)) \(SVG.n(py))Z"
            out += "<g><title>\(label.htmlEscaped)</title><path d=\"\(diamond)\" fill=\"#fff\" stroke=\"\(marker.color)\" stroke-width=\"2\"/>"
                + SVG.text(label, x: anchorLeft ? px - 8 : px + 8, y: labelY, anchor: anchorLeft ? "end" : "start",
                           cls: "marker-label", extra: " fill=\"\(marker.color)\"")
                + "</g>"
        }
        return out
    }
}
