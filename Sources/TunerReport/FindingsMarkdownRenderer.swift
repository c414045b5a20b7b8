import TunerCore

/// Findings as Markdown: a summary line, then one section per severity, each finding with an evidence
/// table, why, and the fix in a SQL block. Text from the database is escaped (it is data, never markup).
public struct FindingsMarkdownRenderer: Sendable {
    /// The heading level of the title (`##` by default, so the block fits inside a larger report).
    public var headingLevel: Int

    public init(headingLevel: Int = 2) {
        self.headingLevel = headingLevel
    }

    public func render(_ findings: [Finding], title: String = "Findings", facts: [Finding.Evidence] = [],
                       notes: [String] = []) -> String {
        let h = String(repeating: "#", count: headingLevel)
        var out = ["\(h) \(Self.escape(title))", ""]
        if !facts.isEmpty {
            out.append(facts.map { "\(Self.escape($0.name)): **\(Self.escape($0.value))**" }.joined(separator: " · "))
            out.append("")
        }
        out.append("**\(FindingsSummary(findings).sentence)**")
        out.append("")
        for severity in Severity.allCases.reversed() {
            let group = findings.filter { $0.severity == severity }
            guard !group.isEmpty else { continue }
            out.append("\(h)# \(severity.rawValue.capitalized) (\(group.count))")
            out.append("")
            for finding in group { out += section(finding, heading: "\(h)##") }
        }
        if !notes.isEmpty {
            out.append("\(h)# Not checked, or checked in part")
            out.append("")
            out += notes.map { "- \(Self.escape($0))" }
            out.append("")
        }
        return out.joined(separator: "\n")
    }

    func section(_ finding: Finding, heading: String) -> [String] {
        var out = ["\(heading) `\(finding.id)` — \(Self.escape(finding.object))", "", Self.escape(finding.title), ""]
        if !finding.evidence.isEmpty {
            out.append("| evidence | value |")
            out.append("|---|---|")
            out += finding.evidence.map { "| \(Self.escape($0.name)) | \(Self.escape($0.value)) |" }
            out.append("")
        }
        out.append("*Why:* \(Self.escape(finding.why))")
        out.append("")
        if let fix = finding.fix {
            // A fence longer than any backtick run inside the fix, so the block cannot be closed early.
            var fence = "```"
            while fix.contains(fence) { fence += "`" }
            out += ["\(fence)sql", fix, fence, ""]
        }
        return out
    }

    /// Plain text for one Markdown line or table cell: no line breaks, pipes escaped, no raw HTML,
    /// Markdown emphasis and code characters neutralised.
    static func escape(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars where scalar.value >= 0x20 || scalar == "\n" || scalar == "\t" {
            switch scalar {
            case "\n", "\r", "\t": out += " "
            case "|": out += "\\|"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "&": out += "&amp;"
            case "*", "_", "`", "[", "]", "\\", "#": out += "\\" + String(scalar)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
