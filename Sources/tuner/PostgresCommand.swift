import ArgumentParser
import EmbeddedPostgres
import Foundation
import TunerConsole

struct PostgresCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "postgres",
        abstract: "A throwaway PostgreSQL cluster for local use and tests.",
        discussion: """
            'start' runs initdb into a temporary directory (or --data-dir to keep the data), starts the server \
            on a free port with trust authentication on 127.0.0.1 and pg_stat_statements preloaded, and prints \
            the connection URL. The cluster runs until 'tuner postgres stop'. As root, the server runs as the \
            'postgres' system user.
            """,
        subcommands: [Start.self, Stop.self, Status.self]
    )

    struct Start: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Start a cluster and print its URL; it keeps running until 'tuner postgres stop'.")

        @Option(help: "Keep the data in this directory (reused if it already holds a cluster).")
        var dataDir: String?

        @Option(help: "Port to listen on (default: a free one).")
        var port: Int?

        @Option(help: "Database to create.")
        var database = "tuner"

        func run() async throws {
            if let existing = ClusterRecord.read(), existing.isRunning {
                throw ToolError.runtime("a cluster is already running at \(existing.url) — 'tuner postgres stop' first")
            }
            Console.note("starting PostgreSQL…")
            let cluster = try await EmbeddedCluster.start(
                .init(dataDirectory: dataDir, database: database, port: port, outlivesProcess: true))
            cluster.detach()
            try cluster.record.write()
            if let dataDir { try cluster.record.write(to: ClusterRecord.path(inDataDirectory: dataDir)) }
            Console.note("started in \(cluster.startupDuration.shortDescription) — data in \(cluster.baseDirectory)")
            print(cluster.url)
        }
    }

    struct Stop: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop the cluster started by 'tuner postgres start'.")

        @Option(help: "The cluster started with this --data-dir (default: the last one started).")
        var dataDir: String?

        func run() async throws {
            let record = try PostgresCommand.record(dataDirectory: dataDir)
            try record.stop()
            if ClusterRecord.read()?.baseDirectory == record.baseDirectory {
                try? FileManager.default.removeItem(atPath: ClusterRecord.defaultPath)
            }
            Console.note("stopped" + (record.isTemporary ? " and removed \(record.baseDirectory)" : "; data kept in \(record.baseDirectory)"))
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Say whether the cluster is running, and its URL.")

        @Option(help: "The cluster started with this --data-dir (default: the last one started).")
        var dataDir: String?

        func run() async throws {
            guard let record = try? PostgresCommand.record(dataDirectory: dataDir) else {
                print("not running (no cluster started with 'tuner postgres start'\(dataDir.map { " --data-dir \($0)" } ?? ""))")
                throw ToolError(.status(3))
            }
            if record.isRunning {
                print("running: \(record.url) (data in \(record.baseDirectory))")
            } else {
                print("not running (last cluster was in \(record.baseDirectory))")
                throw ToolError(.status(3))
            }
        }
    }

    /// The record of the cluster `--data-dir` names, else of the last one started.
    static func record(dataDirectory: String?) throws -> ClusterRecord {
        if let dataDirectory {
            guard let record = ClusterRecord.read(dataDirectory: dataDirectory) else {
                throw ToolError.runtime("no cluster was started with 'tuner postgres start --data-dir \(dataDirectory)'")
            }
            return record
        }
        guard let record = ClusterRecord.read() else {
            throw ToolError.runtime("no cluster was started with 'tuner postgres start'")
        }
        return record
    }
}
