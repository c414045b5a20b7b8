/// A labelled point drawn over a chart (a threshold's target on the latency spectrum).
struct ChartMarker: Sendable {
    var x: Double
    var y: Double
    var label: String
    var color: String
}

extension ChartFrame {
    /// A diamond at the point with its label to the left, clamped into the plot area.
    func marker(_ marker: ChartMarker) -> String {
        let px = Swift.min(Swift.max(x.position(marker.x), plotLeft), plotRight)
        let py = Swift.min(Swift.max(y.position(marker.y), plotTop), plotBottom)
        let s = 5.0
        let diamond = "M\(SVG.n(px)) \(SVG.n(py - s))L\(SVG.n(px + s)) \(SVG.n(py))L\(SVG.n(px)) \(SVG.n(py + s))L\(SVG.n(px - s)) \(SVG.n(py))Z"
        let width = SVG.textWidth(marker.label, size: 11)
        let anchorLeft = px - width - 8 > plotLeft
        return "<g><title>\(marker.label.htmlEscaped)</title><path d=\"\(diamond)\" fill=\"#fff\" stroke=\"\(marker.color)\" stroke-width=\"2\"/>"
            + SVG.text(marker.label, x: anchorLeft ? px - 8 : px + 8, y: py - 7, anchor: anchorLeft ? "end" : "start",
                       cls: "marker-label", extra: " fill=\"\(marker.color)\"")
            + "</g>"
    }
}
