import Foundation
import TunerCore
import TunerReport

/// Writes a report's files and tells on stderr what was written, whether the thresholds held and
/// what changed against the baseline (`tuner report`, `tuner run`, `tuner demo`).
enum ReportOutput {
    @discardableResult
    static func write(_ report: PerformanceReport, to out: String, includeResult: Bool = true) throws
        -> PerformanceReport.Files
    {
        let files: PerformanceReport.Files
        do {
            files = try report.write(to: out, includeResult: includeResult)
        } catch {
            throw RuntimeError(String(describing: error))
        }
        var written = [files.markdown, files.html, files.junit]
        if let json = files.result { written.insert(json, at: 0) }
        let stderr = FileHandle.standardError
        stderr.write(Data("wrote \(written.joined(separator: ", "))\n".utf8))
        stderr.write(Data("\(verdict(report.result))\n".utf8))
        if let comparison = report.comparison {
            let changes = comparison.significantChanges
            let text = changes.isEmpty ? "no change beyond run-to-run noise"
                : changes.prefix(6).map { "\($0.scope) \($0.change.name) \(percent($0.change.changePercent)) (\($0.change.verdict.rawValue))" }
                    .joined(separator: ", ")
            stderr.write(Data("against the baseline: \(text)\n".utf8))
        }
        return files
    }

    static func verdict(_ r: LoadResult) -> String {
        if r.thresholds.isEmpty { return "no thresholds in the result" }
        let failed = r.thresholds.filter { !$0.passed }
        if failed.isEmpty { return "all \(r.thresholds.count) thresholds held" }
        return "\(failed.count) of \(r.thresholds.count) thresholds crossed: "
            + failed.map { "\($0.threshold) (measured \($0.measuredDescription))" }.joined(separator: "; ")
    }

    static func percent(_ v: Double) -> String {
        guard v.isFinite else { return "from 0" }
        return (v >= 0 ? "+" : "") + String(format: "%.1f%%", v)
    }
}
