import ArgumentParser
import Foundation
import TunerConsole
import TunerCore
import TunerPostgres

struct DBConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "pgtune-equivalent postgresql.conf, and a diff against a live server.",
        discussion: """
            Computes pgtune's settings (le0pard/pgtune's formulas, with nvme storage and the data-size input) \
            and gives each line its reason. Memory and CPUs not given are detected on this machine, honouring \
            cgroup limits (a container's limit, not the host's). With --db, shows only the settings whose live \
            value differs (value, unit, source, whether a restart is needed); --apply then writes them with \
            ALTER SYSTEM and reloads.
            """
    )

    @Option(help: "Total RAM of the database server, e.g. 16GB, 512MB (default: detected on this machine).")
    var memory: String?

    @Option(help: "CPU cores of the database server (default: detected on this machine).")
    var cpus: Int?

    @Option(help: "Maximum client connections, 20 or more (default: pgtune's for the --db-type).")
    var connections: Int?

    @Option(help: "Data storage: hdd, ssd, san, nvme.")
    var storage = "ssd"

    @Option(help: "Workload: web, oltp, dw (data warehouse), desktop, mixed.")
    var dbType = "web"

    @Option(help: "PostgreSQL major version, 10 to 18 (default: 18, or the --db server's).")
    var pgVersion: Int?

    @Option(help: "Operating system of the database server: linux, windows, mac.")
    var os = "linux"

    @Option(help: "Data size compared with RAM: less-than-ram, ram-to-3x, more-than-3x-ram.")
    var dataSize = "ram-to-3x"

    @Option(help: "Output: conf (postgresql.conf lines), sql (ALTER SYSTEM statements), json.")
    var format = "conf"

    @Option(help: "Compare with this server's pg_settings (a postgres:// URL); only what differs is shown.")
    var db: String?

    @Flag(help: "Write the differing settings with ALTER SYSTEM and run pg_reload_conf() (server: --db, else DATABASE_URL or PG*).")
    var apply = false

    func run() async throws {
        let request = try parseRequest()
        guard request.usesDatabase else {
            let recommendation = ConfigurationRecommendation(try request.inputs(version: pgVersion ?? 18))
            report(request, recommendation)
            print(render(recommendation, sources: request.sources), terminator: "")
            return
        }
        let server = try Self.server(db)
        try await DatabaseSession.withSession(server, options: apply ? .applying : .readOnly) { session in
            let version = try await chooseVersion(session)
            let recommendation = ConfigurationRecommendation(try request.inputs(version: version))
            report(request, recommendation)
            if !server.isLocal && !request.sources.isEmpty {
                Console.note("the database is on \(server.host), but memory/CPUs were detected on this machine;"
                    + " pass --memory and --cpus for the database server")
            }
            let diff = try await LiveSettingsDiff.compare(recommendation, in: session)
            var applied: SettingsApplyResult?
            if apply { applied = try await SettingsApplier.apply(diff, in: session) }
            switch format {
            case "json":
                print(diff.json(server: server.redactedURL, recommendation: recommendation, applied: applied,
                                sources: request.sources), terminator: "")
            case "sql": print(diff.alterSystemSQL(), terminator: "")
            default:
                print(diff.text(server: server.redactedURL), terminator: "")
                if let applied { print("\n" + applied.text, terminator: "") }
            }
            if let applied, format != "conf" { Console.note(applied.text) }
            if !apply && !diff.differences.isEmpty {
                Console.note("run again with --apply to write these with ALTER SYSTEM and reload"
                    + " (needs superuser or the ALTER SYSTEM privilege)")
            }
        }
    }

    /// Everything from the command line, checked; exits 64 with one line on bad input.
    private func parseRequest() throws -> ConfigurationRequest {
        do {
            guard ["conf", "sql", "json"].contains(format) else {
                throw ParseError("unknown --format '\(format)'; accepted: conf, sql, json")
            }
            if let version = pgVersion, !ConfigurationInputs.supportedVersions.contains(version) {
                throw ParseError("--pg-version \(version) is not supported; accepted: 10 to 18")
            }
            var request = ConfigurationRequest(
                storage: try StorageType.parse(storage, option: "--storage"),
                databaseType: try DatabaseType.parse(dbType, option: "--db-type"),
                operatingSystem: try OperatingSystem.parse(os, option: "--os"),
                dataSize: try DataSize.parse(dataSize, option: "--data-size"),
                connections: connections, usesDatabase: db != nil || apply)
            try request.setMachine(memory: memory, cpus: cpus)
            _ = try request.inputs(version: pgVersion ?? 18)
            return request
        } catch let error as ParseError {
            throw ToolError.usage(error.description)
        }
    }

    /// `--db`, else DATABASE_URL, else PG*; a malformed URL is a usage error (`tuner pool` too).
    static func server(_ option: String?) throws -> ConnectionSettings {
        do {
            return try ConnectionSettings.resolve(option: option)
        } catch {
            throw ToolError.usage(error.description)
        }
    }

    /// The --pg-version given, else the server's major version (within what pgtune knows).
    private func chooseVersion(_ session: DatabaseSession) async throws -> Int {
        if let pgVersion { return pgVersion }
        let major = try await session.serverMajorVersion()
        let chosen = ConfigurationInputs.nearestSupportedVersion(major)
        Console.note("using the server's PostgreSQL version \(major)"
            + (chosen != major ? " as \(chosen) (the nearest pgtune knows)" : "") + "; --pg-version overrides")
        return chosen
    }

    private func render(_ recommendation: ConfigurationRecommendation, sources: InputSources) -> String {
        switch format {
        case "sql": recommendation.alterSystemSQL(sources: sources)
        case "json": recommendation.json(sources: sources)
        default: recommendation.postgresqlConf(sources: sources)
        }
    }

    /// Says on stderr what was detected, so stdout stays pasteable.
    private func report(_ request: ConfigurationRequest, _ recommendation: ConfigurationRecommendation) {
        var detected: [String] = []
        if let source = request.sources["memory"] { detected.append("memory \(recommendation.inputs.memory) (\(source))") }
        if let source = request.sources["cpus"], let cpus = request.cpus { detected.append("\(cpus) CPUs (\(source))") }
        if !detected.isEmpty { Console.note("detected on this machine: " + detected.joined(separator: ", ")) }
    }
}
