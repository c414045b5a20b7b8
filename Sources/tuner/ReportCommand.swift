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

            The pieces of a tuning loop run by hand join the report too, so that the guide fills from them: \
            --sweep (tuner sweep --json, repeatable), --coldstart (tuner coldstart --json), --batch (tuner db batch \
            --json), and --step LABEL=RESULT.json (repeatable, in order, the first the baseline): with steps the \
            report's optimization log runs from the first step through each one to RESULT (labelled by --change, \
            else "after"), one entry per change.

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

    @Option(help: ArgumentHelp("A sweep's result (tuner sweep --json) for the report and the guide (repeatable).",
                               valueName: "SWEEP.json"))
    var sweep: [String] = []

    @Option(help: ArgumentHelp("A cold start's result (tuner coldstart --json).", valueName: "COLDSTART.json"))
    var coldstart: String?

    @Option(help: ArgumentHelp("A batch-size result (tuner db batch --json).", valueName: "BATCH.json"))
    var batch: String?

    @Option(help: ArgumentHelp("An earlier step of the tuning loop, LABEL=RESULT.json (repeatable, in order; the first is the baseline).",
                               valueName: "LABEL=FILE"))
    var step: [String] = []

    func validate() throws {
        if change != nil && baseline == nil && step.isEmpty {
            throw ValidationError("--change describes a comparison: pass --baseline (or --step) too")
        }
        if baseline != nil && !step.isEmpty { throw ValidationError("give --baseline or --step, not both") }
        for item in step where !item.contains("=") {
            throw ValidationError("--step '\(item)': write it LABEL=RESULT.json")
        }
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
        var report: PerformanceReport
        if step.isEmpty {
            report = PerformanceReport(result: current, baseline: before, change: change)
        } else {
            var steps: [OptimizationStep] = []
            for item in step {
                let label = String(item.prefix { $0 != "=" })
                let path = String(item.drop { $0 != "=" }.dropFirst())
                do {
                    steps.append(OptimizationStep(label: label, result: try ResultFile.read(path)))
                } catch {
                    throw ToolError.usage("--step \(label): \(error)")
                }
            }
            steps.append(OptimizationStep(label: change ?? "after", change: change, result: current))
            report = PerformanceReport(steps: steps)
        }
        report.sweeps = try sweep.map { try Self.decode(SweepResult.self, from: $0, option: "--sweep") }
        report.coldStart = try coldstart.map { try Self.decode(ColdStartResult.self, from: $0, option: "--coldstart") }
        report.batch = try batch.map { try Self.decode(BatchResult.self, from: $0, option: "--batch") }
        let outputResult = URL(fileURLWithPath: out).appendingPathComponent("result.json").standardizedFileURL.path
        let isSameFile = outputResult == URL(fileURLWithPath: result).standardizedFileURL.path
        try ReportOutput.write(report, to: out, includeResult: !isSameFile)
        if check && !current.thresholdsPassed { throw ToolError.thresholdsCrossed }
    }

    /// A command's JSON result, or a one-line usage failure naming the option.
    static func decode<T: Decodable>(_ type: T.Type, from path: String, option: String) throws -> T {
        do {
            return try JSONDecoder().decode(T.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        } catch let error as DecodingError {
            throw ToolError.usage("\(option) \(path): not a result of that kind (\(Self.describe(error)))")
        } catch {
            throw ToolError.usage("\(option) \(path): \(error.localizedDescription)")
        }
    }

    static func describe(_ error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, _): "no '\(key.stringValue)'"
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            context.debugDescription
        @unknown default: "\(error)"
        }
    }
}
