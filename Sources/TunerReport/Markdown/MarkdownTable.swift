/// A GitHub-flavoured Markdown table; cells must already be escaped.
struct MarkdownTable {
    var headers: [String]
    /// `true` right-aligns a column (numbers).
    var rightAligned: Set<Int> = []
    var rows: [[String]] = []

    func render() -> String {
        var out = "| " + headers.joined(separator: " | ") + " |\n"
        out += "|" + headers.indices.map { rightAligned.contains($0) ? "---:" : "---" }.joined(separator: "|") + "|\n"
        for row in rows { out += "| " + row.joined(separator: " | ") + " |\n" }
        return out
    }
}
