import EmbeddedPostgres
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Runs another program (kubectl, perf, py-spy) off the cooperative pool and gives back its exit status and output.
///
/// Through `ProcessRunner.spawn`: the child starts with no signal blocked. Foundation's `Process` passes on the
/// calling thread's mask, and Swift's threads block SIGCHLD and SIGINT: `perf record -- sleep 4` never learnt that
/// its sleep had ended and waited forever.
enum ExternalCommand {
    struct Outcome: Sendable {
        var status: Int32
        var output: String
        var errors: String

        /// The last lines of stderr (else stdout), joined: what a one-line error quotes.
        var reason: String {
            (errors.isEmpty ? output : errors).split(separator: "\n").suffix(2).joined(separator: " | ")
        }
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// `program` is looked up on the PATH unless it is a path. Its output goes to files (not pipes, which a chatty
    /// program could fill), read once it has exited.
    static func run(_ program: String, _ arguments: [String]) async throws -> Outcome {
        guard let executable = program.contains("/") ? program : resolve(program) else {
            throw Failure(description: "\(program) is not on the PATH")
        }
        return try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result { () throws -> Outcome in
                    let directory = FileManager.default.temporaryDirectory
                    let outPath = directory.appendingPathComponent("tuner-\(UUID().uuidString).out").path
                    let errPath = directory.appendingPathComponent("tuner-\(UUID().uuidString).err").path
                    let out = open(outPath, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0o600)
                    let err = open(errPath, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0o600)
                    defer {
                        if out >= 0 { close(out) }
                        if err >= 0 { close(err) }
                        unlink(outPath)
                        unlink(errPath)
                    }
                    guard out >= 0, err >= 0 else { throw Failure(description: "cannot create files for \(program)'s output") }
                    let pid = try ProcessRunner.spawn(executable, argv: [program] + arguments, environment: nil, stdout: out, stderr: err)
                    let status = ProcessRunner.wait(for: pid)
                    return Outcome(status: status, output: (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "",
                                   errors: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "")
                })
            }
        }
    }

    private static func resolve(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}
