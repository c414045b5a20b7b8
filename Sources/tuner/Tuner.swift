import ArgumentParser
import Foundation
import TunerConsole
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
            CapacityCommand.self,
            SweepCommand.self,
            TuneCommand.self,
            ColdStartCommand.self,
            DBCommand.self,
            PoolCommand.self,
            ReportCommand.self,
            MergeCommand.self,
            K8sCommand.self,
            AlertsCommand.self,
            PostgresCommand.self,
        ]
    )

    /// As ArgumentParser's, except that a usage error a subcommand raises while it runs (no database
    /// given, say) shows that subcommand's usage, not the top level's `tuner <subcommand>`.
    static func main() async {
        let command: any ParsableCommand
        do {
            command = try parseAsRoot()
        } catch {
            exit(withError: error)
        }
        do {
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                var plain = command
                try plain.run()
            }
        } catch let error as ToolError {
            if let message = error.message { Console.error(message) }
            Foundation.exit(error.exitCode)
        } catch let error as ValidationError {
            Console.write(usageFailure(error.message, in: type(of: command)))
            Foundation.exit(ExitCode.validationFailure.rawValue)
        } catch {
            exit(withError: error)
        }
    }

    /// `Error: …`, then the usage lines of `subcommand`'s help, as ArgumentParser prints them at parse time.
    static func usageFailure(_ message: String, in subcommand: any ParsableCommand.Type) -> String {
        let help = helpMessage(for: subcommand, columns: 80).split(separator: "\n", omittingEmptySubsequences: false)
        var usage: [Substring] = []
        if let start = help.firstIndex(where: { $0.hasPrefix("USAGE:") }) {
            usage = Array(help[start...].prefix { !$0.isEmpty })
            usage[0] = "Usage:" + usage[0].dropFirst("USAGE:".count)
        }
        let name = usage.first?.dropFirst("Usage: ".count).split(separator: " ").prefix { !$0.hasPrefix("[") && !$0.hasPrefix("<") }
            .joined(separator: " ") ?? "tuner"
        return "Error: \(message)\n" + usage.joined(separator: "\n") + "\n  See '\(name) --help' for more information.\n"
    }
}
