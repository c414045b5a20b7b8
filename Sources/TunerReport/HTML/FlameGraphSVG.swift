import Foundation
import TunerCore

/// A profile's folded stacks drawn as a flame graph in SVG: the whole at the bottom, each frame above its caller, as
/// wide as its share of the samples; siblings in name order (as flamegraph.pl draws them). No script: each frame's
/// name and share are its tooltip (`<title>`), every name escaped, colours by presentation attribute (the report's
/// Content-Security-Policy allows no script and no style attribute is needed). Only the widest `limit` frames are
/// drawn (a frame is never narrower than its children, so the ones kept always have their callers).
enum FlameGraphSVG {
    private struct Node {
        var name: String
        var weight: Double = 0
        var depth: Int
        var children: [String: Int] = [:]
    }

    static let rowHeight = 17.0
    static let characterWidth = 6.6

    static func render(_ stacks: FoldedStacks, width: Double = 1180, limit: Int = 1000, highlight: String? = nil) -> String {
        var nodes = [Node(name: "all", depth: 0)]
        for stack in stacks.stacks where stack.weight > 0 {
            var current = 0
            nodes[0].weight += stack.weight
            for frame in stack.frames {
                if let next = nodes[current].children[frame] {
                    current = next
                } else {
                    nodes.append(Node(name: frame, depth: nodes[current].depth + 1))
                    nodes[current].children[frame] = nodes.count - 1
                    current = nodes.count - 1
                }
                nodes[current].weight += stack.weight
            }
        }
        let total = nodes[0].weight
        guard total > 0 else { return "" }
        // The widest frames, callers before callees at equal width.
        let kept = Set(nodes.indices.sorted { (nodes[$0].weight, -nodes[$0].depth, $1) > (nodes[$1].weight, -nodes[$1].depth, $0) }
            .prefix(limit))
        let depth = kept.map { nodes[$0].depth }.max() ?? 0
        let height = Double(depth + 1) * rowHeight + 4
        var out = "<svg class=\"flame\" xmlns=\"http://www.w3.org/2000/svg\" width=\"\(format(width))\" height=\"\(format(height))\" "
            + "viewBox=\"0 0 \(format(width)) \(format(height))\" font-family=\"monospace\" font-size=\"11\">"
        // Depth first from the root, each child placed after its earlier siblings.
        var pending: [(node: Int, x: Double)] = [(0, 0)]
        while let (index, x) = pending.popLast() {
            let node = nodes[index]
            let w = node.weight / total * width
            let y = height - Double(node.depth + 1) * rowHeight
            let share = NumberFormat.percent(node.weight / total)
            let fits = Int((w - 4) / characterWidth)
            let label: String = node.name.count <= fits ? node.name : fits >= 3 ? String(node.name.prefix(fits - 2)) + ".." : ""
            let tooltip: String = node.name + " (" + share + ", " + FoldedStacks.weightText(node.weight) + ")"
            let fill: String = colour(node.name, isHighlighted: node.name == highlight)
            var box: String = "<g><title>\(tooltip.htmlEscaped)</title>"
            box += "<rect x=\"\(format(x))\" y=\"\(format(y))\" width=\"\(format(max(w - 0.5, 0.1)))\" "
            box += "height=\"\(format(rowHeight - 1))\" fill=\"\(fill)\" rx=\"1\"/>"
            if !label.isEmpty { box += "<text x=\"\(format(x + 3))\" y=\"\(format(y + rowHeight - 5))\">\(label.htmlEscaped)</text>" }
            out += box + "</g>"
            var offset = x
            var children: [(Int, Double)] = []
            for name in node.children.keys.sorted() {
                guard let child = node.children[name], kept.contains(child) else {
                    if let child = node.children[name] { offset += nodes[child].weight / total * width }
                    continue
                }
                children.append((child, offset))
                offset += nodes[child].weight / total * width
            }
            pending.append(contentsOf: children.reversed())
        }
        return out + "</svg>"
    }

    /// Warm colours by the name's hash (the same name, the same colour), blue for the place to act.
    static func colour(_ name: String, isHighlighted: Bool) -> String {
        if isHighlighted { return "rgb(90,150,230)" }
        var hash: UInt32 = 2_166_136_261
        for byte in name.utf8 { hash = (hash ^ UInt32(byte)) &* 16_777_619 }
        let red = 205 + Int(hash % 50)
        let green = 80 + Int((hash >> 8) % 130)
        let blue = Int((hash >> 16) % 55)
        return "rgb(\(red),\(green),\(blue))"
    }

    private static func format(_ value: Double) -> String {
        String(format: "%.1f", value)
    }
}
