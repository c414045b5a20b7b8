
#if canImport(Glibc)
import ArgumentParser
import Foundation
import Glibc
import TunerConsole
import TunerCore
import TunerPostgres
import TunerReport
#endif

/// `tuner db check`: the database doctor.
struct DBCheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Database doctor: every finding with evidence and the SQL or setting that fixes it.",
        discussion: """
            Connects once, read-only (application_name=tuner, statement_timeout, lock_timeout; nothing is \
            written), and checks queries (pg_stat_statements), indexes, tables, sequences, activity, memory \
            and configuration. Works as a role with only pg_monitor: checks it cannot run are listed with \
            the reason. Findings are grouped by severity; each has a stable id, the object, the evidence, \
            why it matters and the fix to paste. See docs/doctor.md.

            Thresholds (override with --threshold NAME=VALUE; durations 30s/5m, sizes 1MB, ratios 20% or 0.2):
            \(DoctorThresholds.helpText)
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, json, markdown
    }

    /// The `--fail-on` levels (a local type: `Severity` itself stays free of argument-parser).
    enum FailLevel: String, ExpressibleByArgument, CaseIterable {
        case info, warning, critical

        var severity: Severity { Severity(rawValue: rawValue) ?? .critical }
    }

    @Option(help: "The database: a postgres:// URL (default: DATABASE_URL, then the PG* variables).")
    var db: String?

    @Option(help: "Output format: text, json or markdown.")
    var format: Format = .text

    @Option(name: .customLong("fail-on"),
            help: "Exit with code 99 when a finding is at least this severe: info, warning or critical.")
    var failOn: FailLevel?

    @Option(name: .customLong("threshold"), parsing: .singleValue,
            help: "Override a threshold, NAME=VALUE (repeatable), e.g. --threshold idle-in-transaction=5m.")
    var thresholdOverrides: [String] = []

    @Option(help: "The database machine's memory for the memory model, e.g. 16GB (read from /proc/meminfo when the server is local).")
    var memory: String?

    @Option(help: "statement_timeout for each of the doctor's queries.")
    var statementTimeout = "30s"

    @Option(help: "Write the report to this file instead of standard output.")
    var output: String?

    @Flag(help: "List every finding in text output (default: at most 10 of each kind per severity).")
    var all = false

    func validate() throws {
        _ = try makeThresholds()
        if let memory {
            do { _ = try ByteSize(parsing: memory) } catch { throw ValidationError("--memory: \(error)") }
        }
        do { _ = try Duration(parsing: statementTimeout) } catch { throw ValidationError("--statement-timeout: \(error)") }
    }

    func makeThresholds() throws -> DoctorThresholds {
        var thresholds = DoctorThresholds()
        for assignment in thresholdOverrides {
            do { try thresholds.set(assignment: assignment) } catch { throw ValidationError("--threshold: \(error)") }
        }
        return thresholds
    }

    func run() async throws {
        let settings: ConnectionSettings
        do {
            settings = try ConnectionSettings.resolve(option: db)
        } catch {
            throw ValidationError("\(error)")
        }
        let thresholds = try makeThresholds()
        let environment = DoctorEnvironment(
            memory: try memory.map { try ByteSize(parsing: $0) },
            isServerLocal: settings.isLocal)
        var options = DatabaseSession.Options.readOnly
        options.statementTimeout = try Duration(parsing: statementTimeout)
        Self.note("tuner db check: examining \(settings.redactedURL)")
        let report: DoctorReport
        do {
            report = try await DatabaseSession.withSession(settings, options: options) { session in
                await Doctor.run(session: session, thresholds: thresholds, environment: environment,
                                 progress: { Self.note("  \($0)") })
            }
        } catch let error as DatabaseError {
            throw ToolError.runtime(error.description)
        }
        let text = try render(report)
        if let output {
            do {
                try text.write(toFile: output, atomically: true, encoding: .utf8)
            } catch {
                throw ToolError.runtime("cannot write \(output): \(error.localizedDescription)")
            }
            Self.note("wrote \(output)")
        } else {
            FileHandle.standardOutput.write(Data(text.utf8))
        }
        if report.checksRun.isEmpty, let first = report.skipped.first {
            throw ToolError.runtime("no check could run: \(first.reason)")
        }
        Self.note("done in \(Duration.seconds(report.seconds).shortDescription): \(FindingsSummary(report.findings).sentence)")
        if let failOn, FindingsSummary.crosses(report.findings, level: failOn.severity) {
            throw ToolError.thresholdsCrossed
        }
    }

    func render(_ report: DoctorReport) throws -> String {
        switch format {
        case .json:
            return try FindingsJSON.render(report)
        case .markdown:
            return FindingsMarkdownRenderer().render(
                report.findings, title: "Database check: \(report.database)", facts: report.overview,
                notes: report.skippedNotes)
        case .text:
            let colour = output == nil && isatty(STDOUT_FILENO) == 1
                && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
            let renderer = FindingsTextRenderer(usesColor: colour, maximumPerID: all ? nil : 10,
                                                omittedHint: "--all or --format json lists them all")
            return renderer.render(report.findings, title: "tuner db check — \(report.database)",
                                   facts: report.overview, notes: report.skippedNotes)
        }
    }

    static func note(_ line: String) {
        Console.note(line)
    }
}

