import Foundation

extension TuneFile {
    /// The commented file `tuner tune init` writes: the load and the database it was given, every other key with what
    /// it does, the optional ones commented out. What it writes parses (`TuneFile(yaml:path:)`) as it stands.
    public static func template(load: Load, database: String, command: String?, ready: String?) -> String {
        let loadLine: String
        switch load {
        case .scenario(let path): loadLine = "scenario: \(quoted(path))                 # a Tuner scenario (tuner load --help); or target: URL"
        case .target(let url): loadLine = "target: \(quoted(url))                 # one URL; or scenario: FILE for a mix"
        }
        let commandLine = command.map { "  command: \(quoted($0))" }
            ?? "  # command: ./server                   # without it the service must already run, and knobs cannot be tried"
        let readyLine = ready.map { "  ready: \(quoted($0))" }
            ?? "  # ready: http://127.0.0.1:8080/health # answers (any status below 500) once the service can take load"
        return """
            # tuner tune: the tuning guides' loop on this service. Without --apply it measures the baseline, diagnoses
            # it and prints the plan, changing nothing; with --apply it tries each change, keeps it only when the
            # capacity at the SLO rose beyond the searches' uncertainty, and rolls it back otherwise.

            \(loadLine)

            # The SLO every capacity step is judged by (percentiles need enough requests: a p95 about 72, a p99 368).
            slo: ["p95 < 300ms", "error_rate < 1%"]

            # The service's database; Tuner reads its statistics views, and changes it only with --apply and `apply:`.
            # No password here: Tuner takes it from PGPASSWORD.
            database: \(quoted(withoutPassword(database)))

            service:
            \(commandLine)
              # directory: .                        # where the command runs (relative to this file)
            \(readyLine)
              # ready-timeout: 60s
              env: {}                               # today's values of the settings it reads, e.g. { DB_MAX_OPEN_CONNS: "10" }

            # The service's settings to try (environment variables), each value measured by a capacity search; the
            # best value by capacity is kept when it beats today's beyond the searches' uncertainty.
            knobs: {}
            # knobs:
            #   DB_MAX_OPEN_CONNS: [2, 4, 8, 16, 32]

            # What Tuner may change in the database with --apply: indexes (CREATE INDEX CONCURRENTLY, dropped again
            # when they do not pay), settings (ALTER SYSTEM and a reload, set back when they do not pay). A tune never
            # restarts PostgreSQL: a setting that needs a restart is left to you.
            apply: [indexes, settings]

            # Profile the service after the baseline and at the end (a run at 70% of the capacity with the profiler
            # on): auto (py-spy for Python, else perf), perf, py-spy, or a Go pprof URL (http://127.0.0.1:6060). Its
            # hot spot, JSON share, lock waits and allocations join the next steps; the report gets the flame graph.
            # profile: auto

            # Each measurement's capacity search (defaults shown).
            # capacity: { step: 5s, warm-up: 2s, confirm: 10s, precision: 10% }

            """
    }

    /// The URL without its password (a tune file is shared and committed; the password stays in PGPASSWORD).
    static func withoutPassword(_ url: String) -> String {
        guard var components = URLComponents(string: url), components.password != nil else { return url }
        components.password = nil
        return components.string ?? url
    }

    /// A YAML double-quoted scalar.
    static func quoted(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
