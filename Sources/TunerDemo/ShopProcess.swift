import EmbeddedPostgres
import Foundation

#if canImport(Glibc)
import Glibc
import TunerOrchestration
#endif

/// The demo shop as a separate process (as a real service runs), so that its CPU is not counted as the
/// load generator's and a mode change is a restart with new settings.
public final class ShopProcess: Sendable {
    /// `http://127.0.0.1:PORT`, as the shop printed it.
    public let baseURL: String
    public let pid: pid_t
    /// The shop's stdout and stderr.
    public let logPath: String
    private let cleanupToken: Int

    private init(baseURL: String, pid: pid_t, logPath: String, cleanupToken: Int) {
        self.baseURL = baseURL
        self.pid = pid
        self.logPath = logPath
        self.cleanupToken = cleanupToken
    }

    /// The `demo-shop` executable: `TUNER_DEMO_SHOP`, else the one built next to this program.
    public static func locateExecutable(environment: [String: String] = ProcessInfo.processInfo.environment)
        throws(WorkflowError) -> String
    {
        if let path = environment["TUNER_DEMO_SHOP"], !path.isEmpty {
            guard FileManager.default.isExecutableFile(atPath: path) else {
                throw WorkflowError("TUNER_DEMO_SHOP=\(path) is not an executable file")
            }
            return path
        }
        let me = URL(fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
                     ?? CommandLine.arguments[0])
        var directory = me.deletingLastPathComponent()
        // A test bundle runs from .build/debug/<package>PackageTests.xctest/…; the products sit beside it.
        for _ in 0..<3 {
            let candidate = directory.appendingPathComponent("demo-shop").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            directory.deleteLastPathComponent()
        }
        throw WorkflowError("the demo-shop executable was not found next to \(me.path); build it (swift build) or set TUNER_DEMO_SHOP")
    }

    /// Starts the shop on a free port against `databaseURL` and waits until it serves.
    ///
    /// - Parameter environment: extra settings (`SHOP_MODE`, `SHOP_POOL_SIZE`, … as `demo-shop --help` lists).
    public static func start(
        executable: String, databaseURL: String, environment extra: [String: String] = [:],
        logDirectory: String = NSTemporaryDirectory(), timeout: Duration = .seconds(60)
    ) async throws -> ShopProcess {
        let logPath = (logDirectory as NSString).appendingPathComponent("demo-shop-\(UUID().uuidString.prefix(8)).log")
        let fd = open(logPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { throw WorkflowError("cannot create \(logPath): \(String(cString: strerror(errno)))") }
        var environment = ProcessInfo.processInfo.environment
        environment["DATABASE_URL"] = databaseURL
        for (key, value) in extra { environment[key] = value }
        let pid: pid_t
        do {
            pid = try ProcessRunner.spawn(
                executable, argv: [executable, "--port", "0", "--log-level", "warning"], environment: environment, stdout: fd)
        } catch {
            close(fd)
            throw WorkflowError("cannot start \(executable): \(error)")
        }
        close(fd)
        let token = CleanupRegistry.shared.add { kill(pid, SIGKILL) }
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while clock.now < deadline {
            let log = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
            if let line = log.split(separator: "\n").first(where: { $0.hasPrefix("listening on ") }) {
                let url = String(line.dropFirst("listening on ".count)).trimmingCharacters(in: .whitespaces)
                return ShopProcess(baseURL: url, pid: pid, logPath: logPath, cleanupToken: token)
            }
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid {
                CleanupRegistry.shared.remove(hook: token)
                throw WorkflowError("demo-shop exited before serving: \(Self.tail(of: log))")
            }
            try? await Task.sleep(for: .milliseconds(50))
        }
        kill(pid, SIGKILL)
        _ = waitpid(pid, nil, 0)
        CleanupRegistry.shared.remove(hook: token)
        throw WorkflowError("demo-shop did not start serving within \(timeout): \(Self.tail(of: logPath, isPath: true))")
    }

    /// Stops the shop gracefully (SIGTERM: in-flight requests finish, buffered audit rows are written),
    /// killing it when it has not exited after `grace`.
    public func stop(grace: Duration = .seconds(10)) async {
        defer { CleanupRegistry.shared.remove(hook: cleanupToken) }
        guard kill(pid, SIGTERM) == 0 else { return }
        let clock = ContinuousClock()
        let deadline = clock.now + grace
        var status: Int32 = 0
        while clock.now < deadline {
            let waited = waitpid(pid, &status, WNOHANG)
            if waited == pid || (waited < 0 && errno == ECHILD) { return }
            try? await Task.sleep(for: .milliseconds(50))
        }
        kill(pid, SIGKILL)
        _ = waitpid(pid, &status, 0)
    }

    /// True while the process runs (and has not been reaped).
    public var isRunning: Bool { kill(pid, 0) == 0 }

    private static func tail(of text: String, isPath: Bool = false) -> String {
        let content = isPath ? ((try? String(contentsOfFile: text, encoding: .utf8)) ?? "") : text
        let lines = content.split(separator: "\n").suffix(3)
        return lines.isEmpty ? "no output" : lines.joined(separator: " | ")
    }
}
