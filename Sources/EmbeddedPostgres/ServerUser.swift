import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// PostgreSQL refuses to run as root; when Tuner is root the server runs as an unprivileged user.
enum ServerUser {
    /// `nil` when not root (the server runs as the current user); else `postgres` (or `TUNER_PG_USER`).
    static func forCurrentProcess() throws(EmbeddedPostgresError) -> String? {
        guard geteuid() == 0 else { return nil }
        let name = ProcessInfo.processInfo.environment["TUNER_PG_USER"] ?? "postgres"
        guard getpwnam(name) != nil else {
            throw EmbeddedPostgresError(
                "running as root, but there is no '\(name)' user to run PostgreSQL as — install postgresql "
                    + "(which creates it) or set TUNER_PG_USER to an unprivileged user")
        }
        return name
    }

    /// Gives a file or directory to the server user, and checks the user can reach it.
    static func handOver(_ path: String, to user: String) throws(EmbeddedPostgresError) {
        guard let entry = getpwnam(user) else { throw EmbeddedPostgresError("no user '\(user)'") }
        let uid = entry.pointee.pw_uid
        let gid = entry.pointee.pw_gid
        guard chown(path, uid, gid) == 0 else {
            throw EmbeddedPostgresError("cannot give \(path) to user '\(user)': \(String(cString: strerror(errno)))")
        }
        // Every parent must be searchable by the server user, or initdb fails with a confusing message.
        var parent = (path as NSString).deletingLastPathComponent
        while parent != "/" && !parent.isEmpty {
            var info = stat()
            if stat(parent, &info) == 0 && info.st_mode & 0o001 == 0 && info.st_uid != uid {
                throw EmbeddedPostgresError(
                    "user '\(user)' cannot reach \(path) (\(parent) is not searchable by others); "
                        + "choose a directory under /tmp or /var/tmp")
            }
            parent = (parent as NSString).deletingLastPathComponent
        }
    }
}
