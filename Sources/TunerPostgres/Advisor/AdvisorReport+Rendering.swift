import Foundation
import TunerCore

extension AdvisorReport {
    /// The report for a terminal.
    public func renderText() -> String {
        var out = [headline, ""]
        if suggestions.isEmpty {
            out.append("No index would cut any query's cost by \(percent(minSavings)) or more.")
        }
        var warned = Set<TableName>()
        for (n, s) in suggestions.enumerated() {
            out.append("\(n + 1). \(s.statement)")
            out.append("   " + summary(of: s))
            for q in s.queries {
                out.append("   - cost \(cost(q.costBefore)) → \(cost(q.costAfter)) (−\(percent(q.savings)))"
                    + callText(q) + "  " + Self.oneLine(q.text, limit: 100))
            }
            if let warning = s.writeWarning {
                out.append(warned.insert(s.table).inserted ? "   ! \(warning)" : "   ! \(s.table) is write-heavy (see above)")
            }
            if !s.makesRedundant.isEmpty { out.append("   makes redundant: \(s.makesRedundant.joined(separator: ", "))") }
            out.append("")
        }
        if !existingIndexes.isEmpty {
            out.append("Existing indexes to reconsider:")
            for r in existingIndexes {
                out.append("  \(r.kind.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0)) \(r.index.table) "
                    + "\(r.index.name) (\(ByteSize(bytes: r.index.sizeBytes).humanDescription)): \(r.reason)")
                out.append("            \(r.dropStatement)")
            }
            out.append("")
        }
        if !applied.isEmpty { out += ["Applied:"] + appliedLines.map { "  " + $0 } + [""] }
        if !unplanned.isEmpty {
            out.append("Could not plan \(unplanned.count) statement\(unplanned.count == 1 ? "" : "s"):")
            for u in unplanned { out.append("  \(Self.oneLine(u.text, limit: 80)): \(u.reason)") }
            out.append("")
        }
        if !notes.isEmpty {
            out.append("Notes:")
            for note in notes { out.append("  - \(note)") }
            out.append("")
        }
        out.append(effortLine)
        return out.joined(separator: "\n") + "\n"
    }

    /// The report as a Markdown section.
    public func renderMarkdown() -> String {
        var out = ["## Index advice", "", headline, ""]
        if suggestions.isEmpty {
            out.append("No index would cut any query's cost by \(percent(minSavings)) or more.")
            out.append("")
        } else {
            out.append("| # | index | queries | saves per hour | est. size |")
            out.append("|---|---|---|---|---|")
            for (n, s) in suggestions.enumerated() {
                let columns = s.columns.map(\.sql).joined(separator: ", ")
                out.append("| \(n + 1) | `\(s.table) (\(Self.markdownCell(columns)))` | \(s.queries.count) | "
                    + "\(s.savedMillisecondsPerHour.map(Self.duration) ?? "—") | "
                    + "\(s.estimatedSizeBytes.map { ByteSize(bytes: $0).humanDescription } ?? "—") |")
            }
            out += ["", "```sql"] + suggestions.map(\.statement) + ["```", ""]
            for (n, s) in suggestions.enumerated() {
                out.append("### \(n + 1). \(s.name)")
                out.append("")
                for q in s.queries {
                    out.append("- cost \(cost(q.costBefore)) → \(cost(q.costAfter)) (−\(percent(q.savings)))"
                        + callText(q) + ": `\(Self.markdownCell(Self.oneLine(q.text, limit: 200)))`")
                }
                if let warning = s.writeWarning { out.append("- **write-heavy table:** \(warning)") }
                if !s.makesRedundant.isEmpty { out.append("- makes redundant: \(s.makesRedundant.joined(separator: ", "))") }
                out.append("")
            }
        }
        if !existingIndexes.isEmpty {
            out += ["### Existing indexes to reconsider", "", "| index | table | size | kind | why |", "|---|---|---|---|---|"]
            for r in existingIndexes {
                out.append("| `\(r.index.name)` | \(r.index.table) | \(ByteSize(bytes: r.index.sizeBytes).humanDescription) | "
                    + "\(r.kind.rawValue) | \(Self.markdownCell(r.reason)) |")
            }
            out.append("")
        }
        if !applied.isEmpty { out += ["### Applied", ""] + appliedLines.map { "- \($0)" } + [""] }
        if !unplanned.isEmpty {
            out += ["### Statements that could not be planned", ""]
            out += unplanned.map { "- `\(Self.markdownCell(Self.oneLine($0.text, limit: 120)))`: \(Self.markdownCell($0.reason))" }
            out.append("")
        }
        if !notes.isEmpty { out += ["### Notes", ""] + notes.map { "- \($0)" } + [""] }
        out += ["_\(effortLine)_", ""]
        return out.joined(separator: "\n")
    }

    /// Pretty, key-sorted JSON.
    public func renderJSON() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self) + "\n"
    }

    private var headline: String {
        let how = method == .hypothetical
            ? "hypothetical indexes (hypopg) re-planned by PostgreSQL \(serverVersion)"
            : "column statistics only (no hypopg): LESS CERTAIN"
        var span = ""
        if let seconds = workload.observedSeconds { span = ", observed over \(Self.span(seconds))" }
        var line = "Index advice for \(workload.planned) of \(workload.statements) statements (\(workload.source.rawValue)"
            + "\(span)) — \(how); an index must cut a query's cost by ≥ \(percent(minSavings))."
        if let total = savedMillisecondsPerHour {
            line += " Expected saving: \(Self.duration(total)) of database time per hour."
        }
        return line
    }

    private var effortLine: String {
        String(format: "%d plans, %d candidate indexes tried, %.1f s.", effort.plans, effort.candidatesTried, effort.seconds)
    }

    private var appliedLines: [String] {
        applied.map { a in
            a.succeeded
                ? "created \(a.name) in \(String(format: "%.1f", a.seconds)) s"
                    + (a.sizeBytes.map { " (\(ByteSize(bytes: $0).humanDescription))" } ?? "")
                : "FAILED \(a.name): \(a.error ?? "unknown error")"
        }
    }

    private func summary(of s: IndexSuggestion) -> String {
        var parts = ["serves \(s.queries.count) quer\(s.queries.count == 1 ? "y" : "ies")"]
        if let saved = s.savedMillisecondsPerHour { parts.append("saves ≈ \(Self.duration(saved)) of database time per hour") }
        if let size = s.estimatedSizeBytes { parts.append("est. size \(ByteSize(bytes: size).humanDescription)") }
        if s.method == .statistics { parts.append("from statistics: less certain") }
        return parts.joined(separator: " · ")
    }

    private func callText(_ q: ServedQuery) -> String {
        guard let calls = q.calls else { return "" }
        return ", \(calls) calls" + (q.meanMilliseconds.map { String(format: ", %.2f ms mean", $0) } ?? "")
    }

    private func cost(_ value: Double) -> String { value >= 100 ? String(Int(value.rounded())) : String(format: "%.2f", value) }

    private func percent(_ share: Double) -> String { "\(Int((share * 100).rounded()))%" }

    static func duration(_ milliseconds: Double) -> String {
        switch milliseconds {
        case ..<1: return String(format: "%.2f ms", milliseconds)
        case ..<1000: return String(format: "%.0f ms", milliseconds)
        case ..<60_000: return String(format: "%.1f s", milliseconds / 1000)
        default: return String(format: "%.1f min", milliseconds / 60_000)
        }
    }

    private static func span(_ seconds: Double) -> String {
        seconds < 120 ? String(format: "%.0f s", seconds)
            : seconds < 7200 ? String(format: "%.0f min", seconds / 60) : String(format: "%.1f h", seconds / 3600)
    }

    /// Whitespace collapsed, cut to `limit` characters.
    static func oneLine(_ text: String, limit: Int) -> String {
        let collapsed = text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        return collapsed.count > limit ? String(collapsed.prefix(limit - 1)) + "…" : collapsed
    }

    private static func markdownCell(_ text: String) -> String {
        text.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "`", with: "'")
    }
}
