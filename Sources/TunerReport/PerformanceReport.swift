import Foundation
import TunerCore

/// The performance baseline report of one run, optionally against a baseline or as the last step of
/// a tuning loop: Markdown, self-contained HTML with SVG charts, and JUnit XML.
///
/// ```swift
/// let report = PerformanceReport(result: after, baseline: before, change: "CREATE INDEX …")
/// let files = try report.write(to: "tuner-report")
/// ```
public struct PerformanceReport: Sendable {
    /// The run the report is about.
    public var result: LoadResult
    /// The run it is compared against (`--baseline`, or the first step of a loop).
    public var baseline: LoadResult?
    public var comparison: RunComparison?
    /// The filled optimization log: one entry with a baseline, one per step with `steps`.
    public var log: OptimizationLog?
    /// Sweeps of the service's settings measured along the way (the demo: pool size, flush interval).
    public var sweeps: [SweepResult] = []
    /// Time to ready and first-request latency per setting (`tuner coldstart`; the demo: with and without
    /// pool pre-warming).
    public var coldStart: ColdStartResult?
    /// Batch write speed by batch size (`tuner db batch`).
    public var batch: BatchResult?

    /// A report of `result`, compared with `baseline` when given; `change` says what was changed between them.
    public init(result: LoadResult, baseline: LoadResult? = nil, change: String? = nil, rule: NoiseRule = .standard) {
        self.result = result
        self.baseline = baseline
        if let baseline {
            let comparison = RunComparison(before: baseline, after: result, rule: rule)
            self.comparison = comparison
            log = OptimizationLog(steps: [
                OptimizationStep(label: "baseline", result: baseline),
                OptimizationStep(label: change.map { $0.collapsingWhitespace.truncated(to: 80) } ?? "this run",
                                 change: change, result: result),
            ], rule: rule, known: comparison)
        }
    }

    /// A report of a tuning loop: the last step is the run reported on, compared with the first, and
    /// every step after the first gets an optimization log entry. `steps` must not be empty.
    public init(steps: [OptimizationStep], rule: NoiseRule = .standard) {
        precondition(!steps.isEmpty, "a report needs at least one run")
        result = steps[steps.count - 1].result
        if steps.count > 1 {
            baseline = steps[0].result
            let comparison = RunComparison(before: steps[0].result, after: result, rule: rule)
            self.comparison = comparison
            log = OptimizationLog(steps: steps, rule: rule, known: steps.count == 2 ? comparison : nil)
        }
    }

    /// report.md
    public func markdown() -> String { MarkdownReport(report: self).render() }

    /// report.html: one file, inline CSS and SVG, no script and no external request.
    public func html() -> String { HTMLReport(report: self).render() }

    /// junit.xml: one test case per threshold.
    public func junit() -> String { JUnitReport.render(result) }

    /// The files `write(to:)` creates, by role.
    public struct Files: Sendable {
        public var result: String?
        public var markdown: String
        public var html: String
        public var junit: String
    }

    /// Writes report.md, report.html, junit.xml (and result.json unless `includeResult` is false) into
    /// `directory`, creating it.
    @discardableResult
    public func write(to directory: String, includeResult: Bool = true) throws(ReportError) -> Files {
        let base = URL(fileURLWithPath: directory)
        do {
            try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
        } catch {
            throw ReportError("cannot create \(directory): \(error.localizedDescription)")
        }
        func path(_ name: String) -> String { base.appendingPathComponent(name).path }
        var files = Files(result: nil, markdown: path("report.md"), html: path("report.html"), junit: path("junit.xml"))
        if includeResult {
            files.result = path("result.json")
            do {
                try ResultFile.write(result, to: path("result.json"))
            } catch {
                throw ReportError(String(describing: error))
            }
        }
        var texts = [(markdown(), files.markdown), (html(), files.html), (junit(), files.junit)]
        // The profile's folded stacks, for speedscope, inferno or flamegraph.pl.
        if let stacks = result.profile?.stacks { texts.append((stacks.text, path("profile.folded"))) }
        for (text, file) in texts {
            do {
                try Data(text.utf8).write(to: URL(fileURLWithPath: file), options: .atomic)
            } catch {
                throw ReportError("cannot write \(file): \(error.localizedDescription)")
            }
        }
        return files
    }
}

/// A report could not be written; the description says which file and why.
public struct ReportError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
