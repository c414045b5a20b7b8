import ArgumentParser
import Foundation
import TunerConsole
import TunerCore
import TunerReport

/// `tuner report`: the report files from a result JSON, optionally compared with a baseline.
struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Markdown, HTML and JUnit reports from a result JSON.",
        discussion: """
            Writes report.md, report.html (one self-contained file with SVG charts) and junit.xml (one test \
            case per threshold) into --out, with a copy of the result as result.json.

            With --baseline, the report adds before/after for every endpoint and the database figures, says \
            whether each change is beyond run-to-run noise, and fills an optimization log entry.

            Exit codes: 0 when the files were written (whatever the thresholds say), 99 with --check when a \
            threshold in the result was crossed, 64 when an input file cannot be read or is not a result, 1 when \
            the report cannot be written.
            """
    )

    @Argument(help: "The result JSON of a run (tuner load --json, tuner run).")
    var result: String

    @Option(help: ArgumentHelp("An earlier result to compare against (before the change).", valueName: "OLD.json"))
    var baseline: String?

    @Option(help: ArgumentHelp("Directory to write the report into (created if missing).", valueName: "DIR"))
    var out: String = "tuner-report"

    @Option(help: ArgumentHelp("What changed between --baseline and this run (SQL, a setting); goes into the optimization log.",
                               valueName: "TEXT"))
    var change: String?

    @Flag(help: "Exit with 99 when a threshold in the result was crossed (for CI).")
    var check = false

    func validate() throws {
        if change != nil && baseline == nil { throw ValidationError("--change describes a comparison: pass --baseline too") }
    }

    func run() async throws {
        let current: LoadResult
        let before: LoadResult?
        do {
            current = try ResultFile.read(result)
            if let baseline { before = try ResultFile.read(baseline) } else { before = nil }
        } catch {
            throw ToolError.usage(String(describing: error))
        }
        let report = PerformanceReport(result: current, baseline: before, change: change)
        let outputResult = URL(fileURLWithPath: out).appendingPathComponent("result.json").standardizedFileURL.path
        let isSameFile = outputResult == URL(fileURLWithPath: result).standardizedFileURL.path
        try ReportOutput.write(report, to: out, includeResult: !isSameFile)
        if check && !current.thresholdsPassed { throw ToolError.thresholdsCrossed }
    }
}
