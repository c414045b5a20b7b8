import Foundation

/// Runs the built `tuner` binary (`.build/debug/tuner`, found from this file's path) and captures
/// its exit code and output.
struct LoadBinaryRunner {
    struct Outcome {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static var binary: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(".build/debug/tuner")
    }

    /// The variables that name a default database (`tuner db …` and `tuner run` read them).
    static let databaseVariables = ["DATABASE_URL", "PGHOST", "PGPORT", "PGUSER", "PGPASSWORD", "PGDATABASE"]

    /// Runs `tuner arguments…`; `interruptAfter` sends SIGINT after that long, `interruptWhen` once what the
    /// binary wrote to stderr so far satisfies it; `withoutDatabaseEnvironment` hides the caller's
    /// DATABASE_URL and PG* variables so that only `--db` counts.
    static func run(_ arguments: [String], interruptAfter: Duration? = nil, interruptWhen: ((String) -> Bool)? = nil,
                    timeout: Duration = .seconds(60), withoutDatabaseEnvironment: Bool = false,
                    environment extra: [String: String] = [:]) throws -> Outcome {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tuner-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let outURL = directory.appendingPathComponent("stdout")
        let errURL = directory.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        if withoutDatabaseEnvironment || !extra.isEmpty {
            var environment = ProcessInfo.processInfo.environment
            if withoutDatabaseEnvironment {
                for name in databaseVariables { environment.removeValue(forKey: name) }
            }
            environment.merge(extra) { $1 }
            process.environment = environment
        }
        process.standardOutput = try FileHandle(forWritingTo: outURL)
        process.standardError = try FileHandle(forWritingTo: errURL)
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let started = ContinuousClock.now
        var interrupted = false
        while process.isRunning {
            if let interruptAfter, !interrupted, ContinuousClock.now - started > interruptAfter {
                process.interrupt()
                interrupted = true
            }
            if let interruptWhen, !interrupted,
               interruptWhen((try? String(contentsOf: errURL, encoding: .utf8)) ?? "") {
                process.interrupt()
                interrupted = true
            }
            if ContinuousClock.now - started > timeout {
                process.terminate()
                break
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        process.waitUntilExit()
        return Outcome(
            status: process.terminationStatus,
            stdout: (try? String(contentsOf: outURL, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOf: errURL, encoding: .utf8)) ?? "")
    }

    /// `run` on a thread of its own: a long run (a sweep, a capacity search) then does not hold one of the
    /// cooperative pool's few threads, which the suites running beside it need.
    static func runOffThePool(_ arguments: [String], timeout: Duration = .seconds(60),
                              withoutDatabaseEnvironment: Bool = false) async throws -> Outcome {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result {
                    try run(arguments, timeout: timeout, withoutDatabaseEnvironment: withoutDatabaseEnvironment)
                })
            }
        }
    }

    /// A fresh path in the temporary directory.
    static func temporaryPath(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("tuner-\(UUID().uuidString)-\(name)").path
    }
}
