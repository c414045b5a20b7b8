import TunerCore

extension PerformanceReport {
    /// What the terminal says once the files are written: which files, whether the thresholds held (the
    /// crossed ones with their measurements), and the changes beyond noise against the baseline.
    public func summaryLines(files: Files) -> [String] {
        var written = [files.markdown, files.html, files.junit]
        if let json = files.result { written.insert(json, at: 0) }
        var lines = ["wrote \(written.joined(separator: ", "))", result.verdictDetail]
        if let comparison {
            let changes = comparison.significantChanges
            let text = changes.isEmpty ? OptimizationLogEntry.noChange
                : changes.prefix(6).map { "\($0.scope) \($0.change.name) \($0.change.changeText) (\($0.change.verdict.rawValue))" }
                    .joined(separator: ", ")
            lines.append("against the baseline: \(text)")
        }
        return lines
    }
}

extension LoadResult {
    /// `all 6 thresholds held`, or which were crossed and what was measured.
    public var verdictDetail: String {
        let failed = thresholds.filter { !$0.passed }
        guard !thresholds.isEmpty, !failed.isEmpty else { return verdictDescription }
        return verdictDescription + ": " + failed.map { "\($0.threshold) (measured \($0.measuredDescription))" }.joined(separator: "; ")
    }
}
