import ArgumentParser
import Foundation
import TunerConsole
import TunerCore
import TunerPostgres

struct PoolCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pool",
        abstract: "Connection-pool and worker sizing, PgBouncer config.",
        discussion: """
            Pool size from the PostgreSQL wiki: connections = (cores × 2) + effective spindles, split across \
            the application instances; app workers = 2 × cores + 1; a PgBouncer ini in transaction pooling. \
            With --db, the live picture: max_connections, connections by state, the peak of active \
            connections during --sample, and whether the pool would saturate. The formula is a starting \
            point; 'tuner sweep --param POOL_SIZE=2,4,8,16' measures the real knee.
            """
    )

    @Option(help: "CPU cores of the database server (default: detected on this machine).")
    var cpus: Int?

    @Option(help: "Effective spindles: 0 when the active data is cached in RAM, about 1 per independent disk.")
    var spindles = 1

    @Option(help: "Application instances sharing the database; the pool is split across them.")
    var appInstances = 1

    @Option(help: "CPU cores of one application instance, for its worker count (default: --cpus).")
    var appCpus: Int?

    @Option(help: "Output: text (sizing, live picture and ini), ini (only pgbouncer.ini), json.")
    var format = "text"

    @Option(help: "Also show this server's live connection picture (a postgres:// URL).")
    var db: String?

    @Option(help: "With --db: how long to sample pg_stat_activity for the peak of active connections.")
    var sample = "5s"

    func run() async throws {
        let (sizing, source, duration) = try parseInputs()
        if let source { Console.note("detected on this machine: \(sizing.inputs.databaseCPUs) CPUs (\(source))") }
        let server = try db.map { try DBConfigCommand.server($0) }
        var bouncer = PgBouncerConfig(sizing: sizing)
        if let server { bouncer = PgBouncerConfig(sizing: sizing, server: server) }
        var live: LivePoolPicture?
        if let server {
            if source != nil && !server.isLocal {
                Console.note("the database is on \(server.host), but CPUs were detected on this machine;"
                    + " pass --cpus for the database server")
            }
            Console.note("sampling pg_stat_activity of \(server.redactedURL) for \(duration.shortDescription)…")
            live = try await DatabaseSession.withSession(server) { session in
                try await LivePoolPicture.observe(in: session, duration: duration)
            }
        }
        switch format {
        case "ini": print(bouncer.ini, terminator: "")
        case "json": print(sizing.json(pgbouncerINI: bouncer.ini, live: live), terminator: "")
        default:
            var out = sizing.text
            if let live, let server { out += "\n" + live.text(server: server.redactedURL, against: sizing) }
            out += "\npgbouncer.ini (transaction pooling), ready to paste:\n\n" + bouncer.ini
            print(out, terminator: "")
        }
    }

    private func parseInputs() throws -> (PoolSizing, cpuSource: String?, sample: Duration) {
        do {
            guard ["text", "ini", "json"].contains(format) else {
                throw ParseError("unknown --format '\(format)'; accepted: text, ini, json")
            }
            let duration = try Duration(parsing: sample)
            guard duration >= .milliseconds(100), duration <= .seconds(600) else {
                throw ParseError("--sample \(sample) is out of range; accepted: 100ms to 10m")
            }
            var cpuCount = cpus
            var source: String?
            if cpuCount == nil {
                guard let machine = MachineDetection().detect() else {
                    throw ParseError("cannot detect the CPUs here; pass --cpus")
                }
                cpuCount = machine.cpus
                source = machine.cpuSource
            }
            let inputs = try PoolSizing.Inputs(databaseCPUs: cpuCount ?? 1, spindles: spindles,
                                               appInstances: appInstances, appCPUs: appCpus)
            return (PoolSizing(inputs), source, duration)
        } catch let error as ParseError {
            throw ToolError.usage(error.description)
        }
    }
}
