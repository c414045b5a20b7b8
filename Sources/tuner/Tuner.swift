import ArgumentParser
import TunerCore

/// The `tuner` command: argument parsing and wiring only; the work lives in the libraries.
@main
struct Tuner: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tuner",
        abstract: "Load-test a PostgreSQL-backed HTTP service, watch the database, find the bottleneck, fix it, report.",
        discussion: """
            Exit codes: 0 success, 64 usage error, 1 runtime error, 99 a threshold or --fail-on level was crossed.
            Databases: --db postgres://user@host:5432/db, else DATABASE_URL, else the libpq PG* variables.
            """,
        version: TunerVersion.current,
        subcommands: [
            DemoCommand.self,
            LoadCommand.self,
            RunCommand.self,
            DBCommand.self,
            PoolCommand.self,
            ReportCommand.self,
            MergeCommand.self,
            AlertsCommand.self,
            PostgresCommand.self,
        ]
    )
}
