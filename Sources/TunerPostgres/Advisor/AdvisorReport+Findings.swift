import TunerCore

extension AdvisorReport {
    /// The report as findings (source `advise`) for the run report, `--fail-on` and the demo.
    public var findings: [Finding] {
        suggestions.map(Self.finding) + existingIndexes.map(Self.finding)
    }

    private static func finding(_ s: IndexSuggestion) -> Finding {
        let best = s.queries.max { $0.savings < $1.savings }
        var evidence: [Finding.Evidence] = [Finding.Evidence("queries served", Double(s.queries.count))]
        if let best {
            evidence.append(Finding.Evidence("cost before", best.costBefore))
            evidence.append(Finding.Evidence("cost after", best.costAfter))
        }
        if let saved = s.savedMillisecondsPerHour {
            evidence.append(Finding.Evidence("database time saved per hour", saved, unit: "ms"))
        }
        if let size = s.estimatedSizeBytes {
            evidence.append(Finding.Evidence("estimated size", ByteSize(bytes: size).humanDescription, number: Double(size)))
        }
        let columns = s.columns.map(\.sql).joined(separator: ", ")
        let certainty = s.method == .hypothetical
            ? "PostgreSQL's planner, given this index hypothetically (hypopg), cuts the cost"
            : "Column statistics suggest (less certain, no hypopg) that this index cuts the cost"
        var why = "\(certainty) of \(s.queries.count == 1 ? "a workload query" : "\(s.queries.count) workload queries")"
            + (best.map { " by up to \(Int(($0.savings * 100).rounded()))%" } ?? "") + "."
        if let warning = s.writeWarning { why += " Caution: \(warning)." }
        return Finding(
            id: "missing-index", severity: s.method == .hypothetical ? .warning : .info,
            object: "\(s.table) (\(columns))", title: "Missing index on \(s.table) (\(columns))",
            evidence: evidence, why: why, fix: s.statement, source: "advise")
    }

    private static func finding(_ r: IndexReview) -> Finding {
        Finding(
            id: "\(r.kind.rawValue)-index", severity: r.kind == .invalid ? .warning : .info,
            object: "\(r.index.table.schema).\(r.index.name)",
            title: "\(r.kind.rawValue.capitalized) index \(r.index.name) on \(r.index.table)",
            evidence: [
                Finding.Evidence("size", ByteSize(bytes: r.index.sizeBytes).humanDescription, number: Double(r.index.sizeBytes)),
                Finding.Evidence("index scans", Double(r.index.scans)),
            ],
            why: "\(r.reason); every write to the table still pays for it.", fix: r.dropStatement, source: "advise")
    }
}
