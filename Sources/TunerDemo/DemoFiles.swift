import Foundation
import TunerCore
import TunerReport

/// What `tuner demo` writes and says about each step as it finishes.
public enum DemoFiles {
    /// Each step's result as its own JSON (`steps/1-recommended-indexes.json`), for `tuner report --baseline`;
    /// a file that cannot be written is said, and the demo goes on.
    public static func saveStep(_ step: OptimizationStep, number: Int, in directory: String, say: @Sendable (String) -> Void) {
        let slug = String(step.label.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "-" })
            .split(separator: "-").joined(separator: "-")
        let path = "\(directory)/\(number)-\(slug).json"
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try ResultFile.write(step.result, to: path)
        } catch {
            say("  could not write \(path): \(error)")
        }
    }

    /// The baseline's findings as a short list: the count line, then most severe first, the run's own findings
    /// (what the load caused) before the advisor's and the doctor's, at most two of each kind, twelve in all.
    public static func diagnosis(_ findings: [Finding]) -> [String] {
        var out = ["diagnosis: \(FindingsSummary(findings).sentence)"]
        var shown: [String: Int] = [:]
        let rank = ["run": 0, "advise": 1]
        let ordered = findings.sorted { a, b in
            if a.severity != b.severity { return a.severity > b.severity }
            return (rank[a.source] ?? 2) < (rank[b.source] ?? 2)
        }
        for finding in ordered where out.count <= 12 {
            let count = shown[finding.id, default: 0]
            guard count < 2 else { continue }
            shown[finding.id] = count + 1
            out.append("  [\(finding.severity.rawValue)] \(finding.title)")
        }
        return out
    }
}
