import EmbeddedPostgres
import Foundation
import TunerCore
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

#if canImport(Glibc)
import Glibc
#endif

/// A service `tuner sweep` starts (`/bin/sh -c COMMAND` with settings in its environment), waits for,
/// and stops: the shell and everything it starts form one process group, stopped together (SIGTERM,
/// then SIGKILL after a grace period), also when Tuner is interrupted.
public final class ServiceProcess: Sendable {
    public let pid: pid_t
    /// The service's stdout and stderr.
    public let logPath: String
    private let cleanupToken: Int

    private init(pid: pid_t, logPath: String, cleanupToken: Int) {
        self.pid = pid
        self.logPath = logPath
        self.cleanupToken = cleanupToken
    }

    /// `text` as one word for `/bin/sh` (single quotes; a quote inside closes, escapes and reopens).
    public static func shellQuoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// Starts `command` with `environment` added to Tuner's own.
    public static func start(
        command: String, environment extra: [String: String], logDirectory: String, logName: String? = nil
    ) throws(WorkflowError) -> ServiceProcess {
        let logPath = (logDirectory as NSString).appendingPathComponent(logName ?? "service-\(UUID().uuidString.prefix(8)).log")
        let fd = open(logPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw WorkflowError("cannot create \(logPath): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var environment = ProcessInfo.processInfo.environment
        for (key, value) in extra { environment[key] = value }
        let pid: pid_t
        do {
            pid = try ProcessRunner.spawn("/bin/sh", argv: ["/bin/sh", "-c", command], environment: environment, stdout: fd,
                                          newProcessGroup: true)
        } catch {
            throw WorkflowError("cannot start the service: \(error)")
        }
        let token = CleanupRegistry.shared.add { kill(-pid, SIGKILL) }
        return ServiceProcess(pid: pid, logPath: logPath, cleanupToken: token)
    }

    /// Fails when `url` answers before the service was started: another process holds its port, and every figure
    /// measured there would be that process's, not the service's.
    public static func refuseIfAnswering(_ url: URL) async throws(WorkflowError) {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = 2
        let session = URLSession(configuration: configuration)
        defer { session.finishTasksAndInvalidate() }
        guard let (_, response) = try? await session.data(from: url), let status = (response as? HTTPURLResponse)?.statusCode else {
            return
        }
        throw WorkflowError("something already answers at \(url.absoluteString) (HTTP \(status)) before the service was started: "
            + "another process holds the port; stop it or give the service another port")
    }

    /// Waits until `url` answers (any HTTP status below 500); fails when the service exits first or does not
    /// answer within `timeout`, with the tail of its output.
    public func waitUntilReady(_ url: URL, timeout: Duration, pollInterval: Duration = .milliseconds(100)) async throws(WorkflowError) {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = 2
        let session = URLSession(configuration: configuration)
        defer { session.finishTasksAndInvalidate() }
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let (_, response) = try? await session.data(from: url),
               let status = (response as? HTTPURLResponse)?.statusCode, status < 500 {
                return
            }
            if hasExited {
                throw WorkflowError("the service exited before \(url.absoluteString) answered: \(outputTail)")
            }
            try? await Task.sleep(for: pollInterval)
        }
        throw WorkflowError("\(url.absoluteString) did not answer within \(timeout.shortDescription): \(outputTail)")
    }

    /// True once the shell has exited (it is reaped here).
    public var hasExited: Bool {
        var status: Int32 = 0
        let waited = waitpid(pid, &status, WNOHANG)
        return waited == pid || (waited < 0 && errno == ECHILD)
    }

    /// Stops the whole process group: SIGTERM, then SIGKILL when the shell has not exited after `grace`.
    public func stop(grace: Duration = .seconds(10)) async {
        defer { CleanupRegistry.shared.remove(hook: cleanupToken) }
        kill(-pid, SIGTERM)
        let deadline = ContinuousClock.now + grace
        while ContinuousClock.now < deadline {
            if hasExited {
                kill(-pid, SIGKILL)  // anything the shell started and left behind
                return
            }
            try? await Task.sleep(for: .milliseconds(50))
        }
        kill(-pid, SIGKILL)
        _ = waitpid(pid, nil, 0)
    }

    /// The last lines the service printed.
    public var outputTail: String {
        let content = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        let lines = content.split(separator: "\n").suffix(3)
        return lines.isEmpty ? "no output" : lines.joined(separator: " | ")
    }
}
