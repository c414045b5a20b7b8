import EmbeddedPostgres
import Foundation
import TunerOrchestration

#if canImport(Glibc)
import Glibc
#endif

/// The demo shop as a separate process (as a real service runs), so that its CPU is not counted as the
/// load generator's and a mode change is a restart with new settings. It is a `ServiceProcess` (started,
/// logged and stopped the way `tuner sweep` starts any service) that says its own port.
public final class ShopProcess: Sendable {
    /// `http://127.0.0.1:PORT`, as the shop printed it.
    public let baseURL: String
    private let process: ServiceProcess

    public var pid: pid_t { process.pid }
    /// The shop's stdout and stderr.
    public var logPath: String { process.logPath }

    private init(baseURL: String, process: ServiceProcess) {
        self.baseURL = baseURL
        self.process = process
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
        let process = try ServiceProcess.start(
            command: "exec \(ServiceProcess.shellQuoted(executable)) --port 0 --log-level warning",
            environment: extra.merging(["DATABASE_URL": databaseURL]) { $1 }, logDirectory: logDirectory)
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while clock.now < deadline {
            let log = (try? String(contentsOfFile: process.logPath, encoding: .utf8)) ?? ""
            if let line = log.split(separator: "\n").first(where: { $0.hasPrefix("listening on ") }) {
                let url = String(line.dropFirst("listening on ".count)).trimmingCharacters(in: .whitespaces)
                return ShopProcess(baseURL: url, process: process)
            }
            if process.hasExited {
                await process.stop(grace: .zero)
                throw WorkflowError("demo-shop exited before serving: \(process.outputTail)")
            }
            try? await Task.sleep(for: .milliseconds(50))
        }
        await process.stop(grace: .zero)
        throw WorkflowError("demo-shop did not start serving within \(timeout): \(process.outputTail)")
    }

    /// Stops the shop gracefully (SIGTERM: in-flight requests finish, buffered audit rows are written),
    /// killing it when it has not exited after `grace`.
    public func stop(grace: Duration = .seconds(10)) async {
        await process.stop(grace: grace)
    }

    /// True while the process runs (and has not been reaped).
    public var isRunning: Bool { !process.hasExited }
}
