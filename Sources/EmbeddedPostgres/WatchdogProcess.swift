import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A small shell process in its own session that stops the server and removes its directory
/// as soon as this process is gone, however it went (a crash, `kill -9`, Ctrl-C).
final class WatchdogProcess: Sendable {
    let pid: Int32

    private init(pid: Int32) { self.pid = pid }

    static func spawn(watching watchedPID: Int32, pgCtl: String, data: String, base: String?, serverUser: String?) throws -> WatchdogProcess {
        let stop = (serverUser.map { "/usr/sbin/runuser -u \($0) -- " } ?? "")
            + "\(shellQuote(pgCtl)) -D \(shellQuote(data)) -m immediate -w stop >/dev/null 2>&1"
        let remove = base.map { "rm -rf \(shellQuote($0))" } ?? "true"
        let script = """
            trap '' INT HUP
            trap 'exit 0' TERM
            while kill -0 \(watchedPID) 2>/dev/null; do sleep 0.5; done
            \(stop)
            \(remove)
            """
        // The outer shell starts the watchdog in its own session and exits at once, so the watchdog is
        // nobody's zombie and a Ctrl-C to our process group does not reach it.
        let launcher = "setsid /bin/sh -c \"$1\" >/dev/null 2>&1 </dev/null & echo $!"
        let printed = try ProcessRunner.output(of: "/bin/sh", ["-c", launcher, "watchdog", script])
        guard let pid = Int32(printed.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw EmbeddedPostgresError("could not start the cluster watchdog: \(printed)")
        }
        return WatchdogProcess(pid: pid)
    }

    /// The cluster was stopped properly; the watchdog is no longer needed.
    func dismiss() {
        kill(pid, SIGTERM)
    }
}

func shellQuote(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }
