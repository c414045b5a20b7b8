import ArgumentParser
import Foundation
import TunerConsole
import TunerCore
import TunerPostgres

/// `tuner db advise`: index advice for a workload; `--apply` creates the indexes.
struct DBAdviseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "advise",
        abstract: "Index advisor: hypothetical indexes tried against the workload, the ones that pay kept.",
        discussion: """
            The workload is pg_stat_statements (default), a 'tuner run' result (--result) or queries given \
            with --query. Each statement is planned without running it (normalized $1 statements with a \
            generic plan). With the hypopg extension, candidate indexes on the columns the plans filter, join \
            and sort on are created hypothetically and the statements re-planned; an index is kept when it \
            cuts a statement's cost by --min-savings, and the smallest set serving the workload is reported \
            with the database time it saves per hour. Without hypopg, advice comes from column statistics \
            and is marked less certain. Existing indexes the workload never uses, redundant and invalid ones \
            are listed with their size. Read-only unless --apply.
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, json, markdown
    }

    @Option(help: "Database URL (postgres://user@host:5432/db); else DATABASE_URL, else PG* variables.")
    var db: String?

    @Option(name: .customLong("query"), help: ArgumentHelp(
        "A statement to advise on instead of pg_stat_statements (repeatable); literal values or $1 placeholders.",
        valueName: "SQL"))
    var queries: [String] = []

    @Option(help: ArgumentHelp("A 'tuner run' result JSON: advise on the statements the load caused.",
                               valueName: "path"))
    var result: String?

    @Option(help: "Skip statements called fewer times than this (pg_stat_statements and --result).")
    var minCalls: Int64 = 10

    @Option(help: ArgumentHelp("Skip statements whose total execution time is below this (e.g. 500ms, 1s).",
                               valueName: "duration"))
    var minTime: String = "0ms"

    @Option(help: ArgumentHelp("Keep an index only when it cuts a statement's planned cost by this much.",
                               valueName: "percent"))
    var minSavings: String = "50%"

    @Flag(help: "Use the statistics fallback even when hypopg is available.")
    var withoutHypopg = false

    @Option(help: "Output format.")
    var format: Format = .text

    @Flag(help: "Create the suggested indexes (CREATE INDEX CONCURRENTLY, one at a time). Needs write access.")
    var apply = false

    func validate() throws {
        if !queries.isEmpty && result != nil { throw ValidationError("give --query or --result, not both") }
        if minCalls < 0 { throw ValidationError("--min-calls must not be negative") }
        _ = try parsedMinTime()
        _ = try parsedMinSavings()
    }

    func run() async throws {
        let settings: ConnectionSettings
        do {
            settings = try ConnectionSettings.resolve(option: db)
        } catch {
            throw ValidationError(error.description)
        }
        let minTotal = try parsedMinTime().seconds * 1000
        var loaded: LoadResult?
        if let result {
            do {
                loaded = try ResultFile.read(result)
            } catch {
                throw ToolError.usage(error.description)
            }
            if loaded?.database == nil {
                throw ToolError.usage("\(result) has no database section: it was not made by 'tuner run' with --db")
            }
        }
        let options = AdvisorOptions(minSavings: try parsedMinSavings(), usesHypotheticalIndexes: !withoutHypopg,
                                     progress: Self.progress)
        var report: AdvisorReport
        do {
            report = try await DatabaseSession.withSession(settings) { session in
                let workload: AdvisorWorkload
                if !queries.isEmpty {
                    workload = .queries(queries)
                } else if let loaded {
                    workload = .result(loaded, minCalls: minCalls, minTotalMilliseconds: minTotal)
                } else {
                    workload = try await .statements(session, minCalls: minCalls, minTotalMilliseconds: minTotal)
                }
                return try await IndexAdvisor.advise(session, workload: workload, options: options)
            }
            if apply && !report.suggestions.isEmpty {
                report.applied = try await IndexAdvisor.apply(report.suggestions, settings: settings,
                                                              progress: Self.progress)
            }
        } catch let error as DatabaseError {
            throw ToolError.runtime(error.description)
        }
        switch format {
        case .text: print(report.renderText(), terminator: "")
        case .markdown: print(report.renderMarkdown(), terminator: "")
        case .json: print(try report.renderJSON(), terminator: "")
        }
        if report.applied.contains(where: { !$0.succeeded }) {
            throw ToolError.runtime("some indexes could not be created (see above)")
        }
    }

    private func parsedMinTime() throws -> Duration {
        do {
            return try Duration(parsing: minTime)
        } catch {
            throw ValidationError("--min-time: \(error.description)")
        }
    }

    /// `50%`, `50` or `0.5` → 0.5.
    private func parsedMinSavings() throws -> Double {
        guard let parsed = Percentage.parse(minSavings) else {
            throw ValidationError("--min-savings: '\(minSavings)' is not a percentage (e.g. 50%)")
        }
        // `50` means 50%.
        let value = !parsed.isPercent && parsed.fraction > 1 ? parsed.fraction / 100 : parsed.fraction
        guard value > 0, value < 1 else { throw ValidationError("--min-savings must be between 0% and 100%") }
        return value
    }

    private static let progress: @Sendable (String) -> Void = { line in
        Console.note("\(line)")
    }
}
