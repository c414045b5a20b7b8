import Foundation

import EmbeddedPostgres

/// Runs the built `tuner` binary (found by `BuiltProducts`) and captures its exit code and output: the one
/// runner of the binary for every test.
public struct LoadBinaryRunner {
    public struct Outcome: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
    }

    public static var binary: URL { URL(fileURLWithPath: BuiltProducts.path("tuner")) }

    /// The variables that name a default database (`tuner db …` and `tuner run` read them).
    public static let databaseVariables = ["DATABASE_URL", "PGHOST", "PGPORT", "PGUSER", "PGPASSWORD", "PGDATABASE"]

    /// Runs `tuner arguments…`; `interruptAfter` sends SIGINT (or `signal`) after that long, `interruptWhen` once what
    /// the binary wrote to stderr so far satisfies it; `withoutDatabaseEnvironment` hides the caller's
    /// DATABASE_URL and PG* variables so that only `--db` counts; `launcher` is a program (and its arguments) that
    /// execs the tuner command line it is given last, as a parent that sets up signals or limits would.
    ///
    /// From async code the `async` overload runs, on a thread of its own: the binary's whole run then does not
    /// hold one of the cooperative pool's few threads (two here), which the suites beside it need.
    public static func run(_ arguments: [String], interruptAfter: Duration? = nil,
                    interruptWhen: (@Sendable (String) -> Bool)? = nil, timeout: Duration = .seconds(60),
                    withoutDatabaseEnvironment: Bool = false, environment extra: [String: String] = [:],
                    signal: Int32 = SIGINT, launcher: [String] = []) async throws
        -> Outcome
    {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result {
                    try run(arguments, interruptAfter: interruptAfter, interruptWhen: interruptWhen, timeout: timeout,
                            withoutDatabaseEnvironment: withoutDatabaseEnvironment, environment: extra, signal: signal,
                            launcher: launcher)
                })
            }
        }
    }

    public static func run(_ arguments: [String], interruptAfter: Duration? = nil,
                    interruptWhen: (@Sendable (String) -> Bool)? = nil, timeout: Duration = .seconds(60),
                    withoutDatabaseEnvironment: Bool = false, environment extra: [String: String] = [:],
                    signal interruption: Int32 = SIGINT, launcher: [String] = []) throws -> Outcome {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tuner-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let outURL = directory.appendingPathComponent("stdout")
        let errURL = directory.appendingPathComponent("stderr")
        let outFD = open(outURL.path, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0o600)
        let errFD = open(errURL.path, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0o600)
        defer {
            close(outFD)
            close(errFD)
        }
        var environment = ProcessInfo.processInfo.environment
        if withoutDatabaseEnvironment {
            for name in databaseVariables { environment.removeValue(forKey: name) }
        }
        environment.merge(extra) { $1 }
        // posix_spawn and waitpid, not Foundation's Process: under a full suite's load Process missed the exit
        // of a child (left a zombie) and waitUntilExit blocked its thread for good, stalling the suite.
        let argv = launcher + [binary.path] + arguments
        let pid = try ProcessRunner.spawn(argv[0], argv: argv, environment: environment, stdout: outFD, stderr: errFD)
        let started = ContinuousClock.now
        var interrupted = false
        var killedAt: ContinuousClock.Instant?
        var status: Int32 = 0
        while true {
            let waited = waitpid(pid, &status, WNOHANG)
            if waited == pid || (waited < 0 && errno != EINTR) { break }
            if let interruptAfter, !interrupted, ContinuousClock.now - started > interruptAfter {
                kill(pid, interruption)
                interrupted = true
            }
            if let interruptWhen, !interrupted,
               interruptWhen((try? String(contentsOf: errURL, encoding: .utf8)) ?? "") {
                kill(pid, interruption)
                interrupted = true
            }
            if killedAt == nil, ContinuousClock.now - started > timeout {
                kill(pid, SIGTERM)
                killedAt = .now
            } else if let killedAt, ContinuousClock.now - killedAt > .seconds(5) {
                kill(pid, SIGKILL)
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        let signal = status & 0x7f
        return Outcome(
            status: signal == 0 ? (status >> 8) & 0xff : 128 + signal,
            stdout: (try? String(contentsOf: outURL, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOf: errURL, encoding: .utf8)) ?? "")
    }

    /// The async `run` (kept for the callers that name it).
    public static func runOffThePool(_ arguments: [String], timeout: Duration = .seconds(60),
                              withoutDatabaseEnvironment: Bool = false) async throws -> Outcome {
        try await run(arguments, timeout: timeout, withoutDatabaseEnvironment: withoutDatabaseEnvironment)
    }

    /// A fresh path in the temporary directory.
    public static func temporaryPath(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("tuner-\(UUID().uuidString)-\(name)").path
    }
}
