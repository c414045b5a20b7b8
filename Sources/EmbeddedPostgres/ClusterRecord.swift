import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// What `tuner postgres start` leaves behind so that `status` and `stop` find the cluster later.
public struct ClusterRecord: Codable, Sendable, Equatable {
    public var baseDirectory: String
    public var port: Int
    public var database: String
    public var user: String
    public var isTemporary: Bool
    public var binDirectory: String

    public var url: String { "postgres://\(user)@127.0.0.1:\(port)/\(database)" }
    var dataDirectory: String { "\(baseDirectory)/data" }

    /// Where the record of this user's cluster is kept (`$TMPDIR/tuner-postgres-UID.json`).
    public static var defaultPath: String {
        let root = ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        return "\(root)/tuner-postgres-\(geteuid()).json"
    }

    /// Where a cluster started with a data directory keeps its own record (`DIR/tuner-cluster.json`), so
    /// that `stop --data-dir DIR` finds it whatever else was started since.
    public static func path(inDataDirectory directory: String) -> String {
        "\(URL(fileURLWithPath: directory).standardizedFileURL.path)/tuner-cluster.json"
    }

    /// The record of the cluster whose data is in `directory` (what `start --data-dir` was given).
    public static func read(dataDirectory directory: String) -> ClusterRecord? {
        read(from: path(inDataDirectory: directory))
    }

    public static func read(from path: String = defaultPath) -> ClusterRecord? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return try? JSONDecoder().decode(ClusterRecord.self, from: data)
    }

    public func write(to path: String = defaultPath) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(self).write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    /// True when the server of this record is running (its postmaster answers `pg_ctl status`).
    public var isRunning: Bool {
        let serverUser = try? ServerUser.forCurrentProcess()
        return (try? ProcessRunner.output(of: "\(binDirectory)/pg_ctl", ["-D", dataDirectory, "status"],
                                          runAs: serverUser ?? nil)) != nil
    }

    /// Stops the server and removes its directory when it was temporary.
    public func stop() throws(EmbeddedPostgresError) {
        let serverUser = try ServerUser.forCurrentProcess()
        if FileManager.default.fileExists(atPath: "\(dataDirectory)/postmaster.pid") {
            do {
                try ProcessRunner.output(of: "\(binDirectory)/pg_ctl",
                                         ["-D", dataDirectory, "-m", "fast", "-w", "-t", "30", "stop"],
                                         runAs: serverUser)
            } catch {
                throw EmbeddedPostgresError("could not stop the cluster in \(baseDirectory): \(error)")
            }
        }
        if isTemporary { try? FileManager.default.removeItem(atPath: baseDirectory) }
    }
}

extension EmbeddedCluster {
    /// The record `tuner postgres status/stop` use to find this cluster again.
    public var record: ClusterRecord {
        ClusterRecord(baseDirectory: baseDirectory, port: port, database: database, user: user,
                      isTemporary: isTemporary, binDirectory: installation.binDirectory)
    }

    /// Forgets the cluster without stopping it (it outlives this process; `ClusterRecord.stop` ends it).
    public func detach() {
        CleanupRegistry.shared.unregister(self)
        watchdog?.dismiss()
    }
}
