import ArgumentParser
import Foundation
import TunerConsole
import TunerCore
import TunerLoad
import TunerOrchestration
import TunerReport

/// `tuner tune`: the tuning guides' loop on the user's own service, from a tune file.
struct TuneCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tune",
        abstract: "The tuning loop on your service: baseline, diagnosis, each change kept only when it paid.",
        subcommands: [TuneRunCommand.self, TuneInitCommand.self],
        defaultSubcommand: TuneRunCommand.self
    )
}

struct TuneRunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Tune the service a tune file describes (tuner tune FILE).",
        discussion: """
            The baseline is a capacity search (the maximum sustainable rate at the file's SLO, requests arriving at \
            random) with the database observed: its findings are the diagnosis, and the plan is made from them and \
            the file's knobs — the indexes the advisor asked for (largest saving first), work_mem when queries \
            spilled to disk, then each knob. What Tuner cannot change (an N+1, a cache, pagination: code) is listed \
            as the next steps, with the evidence.

            Without --apply the tune stops there: the plan is printed, the baseline written, and nothing in the \
            database or the service changes. With --apply each change is made, the capacity measured again, and the \
            change kept only when the capacity's interval lies wholly above the kept state's (beyond the searches' \
            uncertainty); otherwise it is undone (DROP INDEX CONCURRENTLY, ALTER SYSTEM back to the old value) and \
            the reason logged. A knob is swept (the service restarted with each value) and its best value kept on \
            the same rule. Indexes are built CONCURRENTLY; settings are written with ALTER SYSTEM and a reload; a \
            setting that needs a restart is left to you.

            --out gets tune.json (every step: the change, kept or not and why, the capacity before and after with \
            their intervals; the final state), steps/N-name.json (each measured result), the report of the kept \
            steps (report.md, report.html with the optimization log and the filled guide), and the files to paste: \
            tuned.env, indexes.sql, postgresql.tuning.conf. tune.json is written after every step: Ctrl-C undoes \
            the change in flight, keeps what was measured (exit 130), and --resume goes on from there.

            Changes Tuner cannot make (code: an N+1, a cache) are listed as next steps. Make one, then \
            `tuner tune FILE --apply --resume --change "batched the order lines query"`: the service is restarted, \
            measured against the kept state, and the step logged (credited only beyond the searches' uncertainty).

            With `profile:` in the file (auto, perf, py-spy or a Go pprof URL) the service is profiled after the \
            baseline and at the end, at 70% of its capacity: the hot spot in its own code, JSON's share, lock waits \
            and allocations join the next steps, and the report gets the flame graph.

            Exit codes: 0 done, 64 a bad tune file or option, 1 a step could not run (the change in flight is \
            undone first), 130 interrupted.
            """
    )

    @Argument(help: ArgumentHelp("The tune file (tuner tune init writes one).", valueName: "FILE"))
    var file: String

    @Flag(help: "Make the changes (without it: baseline, diagnosis and plan only; nothing changes).")
    var apply = false

    @Flag(help: "Go on with the unfinished tune in --out (undoing the change that was in flight).")
    var resume = false

    @Option(help: ArgumentHelp("Directory for tune.json, the steps, the report and the files to paste.", valueName: "DIR"))
    var out = "tuner-tune"

    @Option(help: ArgumentHelp("A change you made to the service's code since the last step, in your words (with --resume): measured against the kept state and logged as a code step.",
                               valueName: "TEXT"))
    var change: String?

    @Flag(help: "No progress lines.")
    var quiet = false

    func validate() throws {
        if let change {
            if change.trimmingCharacters(in: .whitespaces).isEmpty { throw ValidationError("--change: say what you changed") }
            if !resume || !apply {
                throw ValidationError("--change measures your change against a tune's kept state: give --apply --resume and its --out")
            }
        }
    }

    func run() async throws {
        let tuneFile: TuneFile
        do {
            tuneFile = try TuneFile(contentsOf: file)
        } catch {
            throw ToolError.usage(error.description)
        }
        var workflow = TuneWorkflow(file: tuneFile, applies: apply, resumes: resume, out: out)
        workflow.codeChange = change
        let quiet = self.quiet
        workflow.say = { line in if !quiet { Console.note(line) } }
        let tuning = workflow
        let outcome: TuneWorkflow.Outcome
        let interrupted: Bool
        do {
            (outcome, interrupted) = try await SignalCancellation.run { try await tuning.run() }
        } catch is CancellationError {
            Console.note("interrupted before the baseline was measured: nothing to keep")
            throw ToolError.interrupted
        } catch let error as LoadError {
            throw ToolError.runtime(error.description)
        } catch let error as WorkflowError {
            throw ToolError.runtime(error.description)
        } catch {
            throw ToolError.runtime("\(error)")
        }
        print(Self.summary(outcome))
        var report = PerformanceReport(steps: outcome.keptSteps)
        report.sweeps = outcome.sweeps
        let files = try ReportOutput.write(report, to: out)
        print("The report: \(files.html) (and \(files.markdown)); the record: \(out)/tune.json")
        if interrupted || outcome.interrupted { throw ToolError.interrupted }
    }

    /// Every step in a line (kept or not, and why), the final state, and the next steps.
    static func summary(_ outcome: TuneWorkflow.Outcome) -> String {
        var lines: [String] = []
        for step in outcome.record.steps {
            let capacity = step.capacityAfter.map { CapacityText.rate($0) + " req/s" } ?? "none"
            if step.kind == .baseline {
                lines.append("baseline: maximum sustainable rate \(capacity)" + (step.intervalAfter.map { " (\($0.description))" } ?? ""))
            } else {
                lines.append("\(step.kept ? "kept" : "not kept"): \(step.name) — \(step.reason)")
            }
        }
        if !outcome.record.applied {
            lines.append("plan (run with --apply to try it):")
            for (index, item) in outcome.plan.items.enumerated() {
                lines.append("  \(index + 1). \(item.title)" + (item.blocked.map { " — not allowed: \($0)" } ?? ""))
            }
        } else {
            let final = outcome.record.final
            if !final.indexes.isEmpty { lines.append("indexes kept: " + final.indexes.joined(separator: " ")) }
            if !final.settings.isEmpty {
                lines.append("settings kept: " + final.settings.sorted { $0.key < $1.key }.map { "\($0.key) = \($0.value)" }.joined(separator: ", "))
            }
            if !final.env.isEmpty {
                lines.append("service settings: " + final.env.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))
            }
        }
        if !outcome.plan.nextSteps.isEmpty {
            lines.append("next steps Tuner cannot take (code):")
            lines += outcome.plan.nextSteps.map { "  - " + $0 }
        }
        return lines.joined(separator: "\n")
    }
}

struct TuneInitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Write a commented tune file for a service.",
        discussion: """
            Writes FILE (default tune.yaml; never over an existing one) with the load (--target URL or --scenario \
            FILE), the database, and how to start the service, every other key commented with what it does. \
            Then: tuner tune FILE (the plan), tuner tune FILE --apply (the tune).

            Example:
              tuner tune init --target http://127.0.0.1:8080/orders --db postgres://app@127.0.0.1/app \\
                --command ./server --ready http://127.0.0.1:8080/health

            Exit codes: 0 written, 64 bad options or FILE exists, 1 FILE cannot be written.
            """
    )

    @Option(help: ArgumentHelp("One URL to load.", valueName: "URL"))
    var target: String?

    @Option(help: ArgumentHelp("A Tuner scenario file to load with.", valueName: "FILE"))
    var scenario: String?

    @Option(help: ArgumentHelp("The service's PostgreSQL URL.", valueName: "URL"))
    var db: String

    @Option(help: ArgumentHelp("The shell command that starts the service.", valueName: "CMD"))
    var command: String?

    @Option(help: ArgumentHelp("A URL that answers once the service is ready.", valueName: "URL"))
    var ready: String?

    @Option(help: ArgumentHelp("Where to write the tune file.", valueName: "FILE"))
    var out = "tune.yaml"

    func validate() throws {
        switch (target, scenario) {
        case (nil, nil): throw ValidationError("give --target URL or --scenario FILE")
        case (.some, .some): throw ValidationError("give --target or --scenario, not both")
        default: break
        }
        if let target, !(target.hasPrefix("http://") || target.hasPrefix("https://")) {
            throw ValidationError("--target must be an http:// or https:// URL")
        }
        if !(db.hasPrefix("postgres://") || db.hasPrefix("postgresql://")) {
            throw ValidationError("--db must be a postgres:// URL")
        }
    }

    func run() async throws {
        guard !FileManager.default.fileExists(atPath: out) else {
            throw ToolError.usage("\(out) exists: choose another --out, or edit it")
        }
        let load: TuneFile.Load = target.map { .target(url: $0) } ?? .scenario(path: scenario ?? "")
        let text = TuneFile.template(load: load, database: db, command: command, ready: ready)
        do {
            try text.write(toFile: out, atomically: true, encoding: .utf8)
        } catch {
            throw ToolError.runtime("cannot write \(out): \(error.localizedDescription)")
        }
        Console.note("wrote \(out): review the SLO and the knobs, then run tuner tune \(out) (the plan) or add --apply")
    }
}
