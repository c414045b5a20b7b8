import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs a helper program a test needs (`openssl`, `pg_config`) to its end.
public enum TestProgram {
    public struct Failed: Error, CustomStringConvertible {
        public let description: String
    }

    /// The program's trimmed standard output; throws with its standard error when it exits non-zero.
    ///
    /// Its output goes to files, not pipes: a process another suite starts meanwhile can inherit a pipe's write end,
    /// and reading the pipe to its end then waits for that process too (seen: two of the cooperative pool's threads
    /// blocked on `openssl`'s and `kubernetes-validate`'s pipes long after both had exited, the whole suite stalled).
    /// The end is the program's exit, read with `waitpid` (Foundation's `Process` can miss it under load).
    @discardableResult
    public static func run(_ path: String, _ arguments: [String], in directory: String? = nil) throws -> String {
        let outPath = LoadBinaryRunner.temporaryPath("program.out")
        let errPath = LoadBinaryRunner.temporaryPath("program.err")
        defer {
            try? FileManager.default.removeItem(atPath: outPath)
            try? FileManager.default.removeItem(atPath: errPath)
        }
        FileManager.default.createFile(atPath: outPath, contents: nil)
        FileManager.default.createFile(atPath: errPath, contents: nil)
        guard let out = FileHandle(forWritingAtPath: outPath), let err = FileHandle(forWritingAtPath: errPath) else {
            throw Failed(description: "cannot create output files for \(path)")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        process.standardOutput = out
        process.standardError = err
        try process.run()
        try? out.close()
        try? err.close()
        let status = Self.waitForExit(process)
        let output = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
        guard status == 0 else {
            let message = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
            throw Failed(description: "\(path) \(arguments.joined(separator: " ")) exited \(status): \(message)")
        }
        return output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The exit status, by `waitpid` (or Foundation's, when it reaped the child first).
    private static func waitForExit(_ process: Process) -> Int32 {
        let pid = process.processIdentifier
        var status: Int32 = 0
        while true {
            let waited = waitpid(pid, &status, WNOHANG)
            if waited == pid {
                let signal = status & 0x7f
                return signal == 0 ? (status >> 8) & 0xff : 128 + signal
            }
            if waited < 0 && errno != EINTR {
                // Foundation reaped it: its status arrives with isRunning turning false.
                while process.isRunning { Thread.sleep(forTimeInterval: 0.01) }
                return process.terminationStatus
            }
            Thread.sleep(forTimeInterval: 0.01)
        }
    }
}
