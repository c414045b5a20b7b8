import Foundation

/// The PostgreSQL server binaries (`initdb`, `pg_ctl`, `postgres`, `psql`) Tuner starts clusters with.
public struct PostgresInstallation: Sendable, Equatable {
    /// Directory holding the binaries.
    public let binDirectory: String
    /// Major version (15 for 15.18).
    public let majorVersion: Int

    /// Path of one binary in this installation.
    public func binary(_ name: String) -> String { "\(binDirectory)/\(name)" }

    /// Finds the binaries: `TUNER_PG_BIN`, `pg_config --bindir`, `/usr/lib/postgresql/*/bin`
    /// newest first, then `PATH`.
    public static func find(environment: [String: String] = ProcessInfo.processInfo.environment)
        throws(EmbeddedPostgresError) -> PostgresInstallation
    {
        var candidates: [String] = []
        if let explicit = environment["TUNER_PG_BIN"], !explicit.isEmpty {
            guard let found = inspect(explicit) else {
                throw EmbeddedPostgresError(
                    "TUNER_PG_BIN=\(explicit) does not hold initdb, pg_ctl and postgres")
            }
            return found
        }
        if let bindir = try? ProcessRunner.output(of: "pg_config", ["--bindir"], environment: environment) {
            candidates.append(bindir.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [])
            .compactMap { Int($0) }.sorted(by: >)
        candidates += versions.map { "\(root)/\($0)/bin" }
        candidates += (environment["PATH"] ?? "").split(separator: ":").map(String.init)
        for directory in candidates {
            if let found = inspect(directory) { return found }
        }
        throw EmbeddedPostgresError(
            "no PostgreSQL server binaries found (initdb, pg_ctl, postgres) — install them with "
                + "'apt-get install postgresql-15' or set TUNER_PG_BIN to their directory")
    }

    private static func inspect(_ directory: String) -> PostgresInstallation? {
        let fm = FileManager.default
        for tool in ["initdb", "pg_ctl", "postgres"] where !fm.isExecutableFile(atPath: "\(directory)/\(tool)") {
            return nil
        }
        guard let text = try? ProcessRunner.output(of: "\(directory)/postgres", ["--version"]),
              let version = text.split(separator: " ").last.flatMap({ $0.split(separator: ".").first }).flatMap({ Int($0.filter(\.isNumber)) })
        else { return nil }
        return PostgresInstallation(binDirectory: directory, majorVersion: version)
    }
}
