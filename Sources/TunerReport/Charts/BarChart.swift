/// Horizontal bars, one group per row, each row titled by a line of text above its bars
/// (long labels such as SQL texts stay readable that way).
struct HorizontalBarChart {
    struct Bar {
        var value: Double
        var color: String
        /// Printed after the bar's end.
        var text: String
    }

    struct Row {
        var label: String
        var bars: [Bar]
        var tooltip: String
        var isMonospace = true
    }

    var id: String
    var label: String
    var width = 1120.0
    var rows: [Row]
    /// The value of a full-width bar (defaults to the largest value).
    var scaleMaximum: Double?

    static let labelSize = 12.0
    static let barHeight = 13.0

    func svg() -> String {
        let barGap = 3.0
        let rowHeight = Self.labelSize + 8 + Double(rows.map(\.bars.count).max() ?? 1) * (Self.barHeight + barGap) + 8
        let height = Double(rows.count) * rowHeight + 6
        let maximum = Swift.max(scaleMaximum ?? rows.flatMap { $0.bars.map(\.value) }.max() ?? 1, 1e-9)
        let widestText = rows.flatMap { $0.bars.map { SVG.textWidth($0.text, size: 11) } }.max() ?? 60
        let barSpace = width - widestText - 16
        let labelChars = Int(width / (Self.labelSize * 0.61))
        var out = "<svg class=\"chart bars\" viewBox=\"0 0 \(SVG.n(width)) \(SVG.n(height))\" role=\"img\" aria-label=\"\(label.htmlEscaped)\" xmlns=\"http://www.w3.org/2000/svg\">"
        for (i, row) in rows.enumerated() {
            let top = Double(i) * rowHeight + 4
            out += "<g><title>\(row.tooltip.htmlEscaped)</title>"
            out += "<rect x=\"0\" y=\"\(SVG.n(top))\" width=\"\(SVG.n(width))\" height=\"\(SVG.n(rowHeight - 2))\" class=\"row-hit\"/>"
            out += SVG.text(row.label.collapsingWhitespace.truncated(to: labelChars), x: 0, y: top + Self.labelSize,
                            cls: row.isMonospace ? "bar-label mono" : "bar-label")
            for (j, bar) in row.bars.enumerated() {
                let y = top + Self.labelSize + 6 + Double(j) * (Self.barHeight + barGap)
                let w = Swift.max(bar.value / maximum * barSpace, bar.value > 0 ? 2 : 0)
                out += "<rect x=\"0\" y=\"\(SVG.n(y))\" width=\"\(SVG.n(w))\" height=\"\(SVG.n(Self.barHeight))\" rx=\"2\" fill=\"\(bar.color)\"/>"
                out += SVG.text(bar.text, x: w + 6, y: y + Self.barHeight - 2.5, cls: "bar-value")
            }
            out += "</g>"
        }
        return out + "</svg>"
    }
}
