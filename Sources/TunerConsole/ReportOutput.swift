import Foundation
import TunerCore
import TunerReport

/// Writes a report's files and tells on stderr what was written, whether the thresholds held and
/// what changed against the baseline (`tuner report`, `tuner run`, `tuner demo`).
public enum ReportOutput {
    @discardableResult
    public static func write(_ report: PerformanceReport, to out: String, includeResult: Bool = true) throws
        -> PerformanceReport.Files
    {
        let files: PerformanceReport.Files
        do {
            files = try report.write(to: out, includeResult: includeResult)
        } catch {
            throw ToolError.runtime(String(describing: error))
        }
        for line in report.summaryLines(files: files) { Console.note(line) }
        return files
    }
}
