import TunerCore

/// Findings and recommended changes as cards in report.html (the text/Markdown/JSON renderers of
/// findings live with the doctor; this is the report page's own layout).
struct HTMLFindingsSection {
    let findings: [Finding]
    let observedDatabase: Bool

    func render() -> String {
        guard !findings.isEmpty else {
            return "<p class=\"empty\">" + (observedDatabase ? "No findings." : "None recorded (findings come from <code>tuner run</code>).") + "</p>"
        }
        let counts = Severity.allCases.reversed().compactMap { s -> String? in
            let n = findings.filter { $0.severity == s }.count
            return n > 0 ? HTML.pill("\(n) \(s)", cls: s.rawValue) : nil
        }
        let rows = findings.map { f in
            [HTML.pill(f.severity.rawValue, cls: f.severity.rawValue),
             "<b>\(f.title.htmlEscaped)</b><div class=\"empty\">\(f.why.htmlEscaped)</div>"
                + "<div class=\"id\">\(f.id.htmlEscaped) · from \(f.source.htmlEscaped)</div>",
             "<code>\(f.object.htmlEscaped)</code>",
             Self.evidence(f.evidence.map { ($0.name, $0.displayValue) })]
        }
        return "<p>\(counts.joined(separator: " ")) — the fixes are under Recommended changes.</p>"
            + HTML.table(headers: ["severity", "finding", "object", "evidence"], rows: rows)
    }

    static func evidence(_ items: [(String, String)]) -> String {
        guard !items.isEmpty else { return "" }
        return "<div class=\"evidence\" style=\"margin:0\">" + items.map { "<span><b>\($0.0.htmlEscaped)</b> \($0.1.htmlEscaped)</span>" }.joined() + "</div>"
    }

    /// Numbered recommendations, each with its evidence and the change to paste.
    static func recommendations(_ items: [Recommendation]) -> String {
        guard !items.isEmpty else { return "" }
        return "<p class=\"lead\">Most severe first. Change one thing at a time and re-run: <code>tuner report NEW.json --baseline OLD.json</code> says whether it helped beyond noise.</p>"
            + items.enumerated().map { i, r in
                var out = "<div class=\"finding \(r.severity.rawValue)\"><h4>\(i + 1). \(r.title.htmlEscaped) \(HTML.pill(r.severity.rawValue, cls: r.severity.rawValue))</h4>"
                out += evidence(r.evidence.map { item in
                    let parts = item.split(separator: ":", maxSplits: 1).map(String.init)
                    return parts.count == 2 ? (parts[0], parts[1]) : ("", item)
                })
                out += "<div>\(r.why.htmlEscaped)</div>"
                if let change = r.change { out += "<pre>\(change.htmlEscaped)</pre>" }
                return out + "</div>"
            }.joined()
    }
}
