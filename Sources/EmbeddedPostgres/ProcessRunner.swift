import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Runs the PostgreSQL binaries, as the unprivileged server user when Tuner runs as root.
///
/// Uses `posix_spawn` and `waitpid` directly: Foundation's `Process` can miss the exit of a child
/// whose grandchild (a daemonized postmaster) inherited its descriptors, and then waits forever.
package enum ProcessRunner {
    package struct Failure: Error, CustomStringConvertible {
        let command: String
        let status: Int32
        let output: String
        package var description: String {
            let tail = output.split(separator: "\n").suffix(3).joined(separator: " | ")
            return "\(command) exited with \(status): \(tail)"
        }
    }

    /// Runs a program to completion and returns what it printed (stdout and stderr together).
    @discardableResult
    static func output(of program: String, _ arguments: [String], runAs user: String? = nil,
                       environment: [String: String]? = nil) throws -> String {
        var argv = [program] + arguments
        if let user { argv = ["/usr/sbin/runuser", "-u", user, "--"] + argv }
        let executable = argv[0].contains("/") ? argv[0] : (resolve(argv[0], environment: environment) ?? argv[0])
        // A file, not a pipe: a chatty program can never block on a full pipe buffer, and a daemon
        // that keeps the descriptor open cannot keep us waiting for end-of-file.
        let capture = FileManager.default.temporaryDirectory.appendingPathComponent("tuner-\(UUID().uuidString).out")
        let fd = open(capture.path, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw Failure(command: program, status: -1, output: "cannot create \(capture.path)") }
        defer {
            close(fd)
            unlink(capture.path)
        }
        let pid = try spawn(executable, argv: argv, environment: environment, stdout: fd)
        let status = wait(for: pid)
        let text = (try? String(contentsOf: capture, encoding: .utf8)) ?? ""
        guard status == 0 else {
            throw Failure(command: ([program] + arguments).joined(separator: " "), status: status, output: text)
        }
        return text
    }

    /// Starts a program with stdin from /dev/null and stdout+stderr into `stdout`; returns its pid. With
    /// `newProcessGroup` it leads a process group of its own (pid = group id), so that it and whatever it
    /// starts can be stopped together.
    package static func spawn(_ executable: String, argv: [String], environment: [String: String]?, stdout: Int32,
                              stderr: Int32? = nil, newProcessGroup: Bool = false) throws -> pid_t
    {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, stdout, 1)
        posix_spawn_file_actions_adddup2(&actions, stderr ?? stdout, 2)
        #if os(Linux)
        // Nothing else of Tuner's: its sockets, listeners and files stay its own (a descriptor without close-on-exec,
        // of ours or of a library's, would otherwise live on in a service or a database server that outlives the run).
        closeFrom(3, in: &actions)
        #endif
        // The calling thread may block signals (Swift's thread pools do); a child must start with none
        // blocked and default handlers, or it could never be stopped with SIGTERM.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        var defaultSignals = sigset_t()
        sigemptyset(&defaultSignals)
        for sig in [SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE, SIGCHLD] { sigaddset(&defaultSignals, sig) }
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &defaultSignals)
        var flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF
        if newProcessGroup {
            posix_spawnattr_setpgroup(&attributes, 0)
            flags |= POSIX_SPAWN_SETPGROUP
        }
        posix_spawnattr_setflags(&attributes, Int16(flags))
        let env = (environment ?? ProcessInfo.processInfo.environment).map { "\($0.key)=\($0.value)" }
        var pid: pid_t = 0
        let result = withCStrings(argv) { cArgs in
            withCStrings(env) { cEnv in
                posix_spawn(&pid, executable, &actions, &attributes, cArgs, cEnv)
            }
        }
        guard result == 0 else {
            throw Failure(command: executable, status: -1, output: "cannot start: \(String(cString: strerror(result)))")
        }
        return pid
    }

    /// Waits for a child and returns its exit status (128 + signal when it was killed).
    package static func wait(for pid: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            if errno != EINTR { return -1 }
        }
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }

    /// Runs a blocking process call off the cooperative thread pool.
    static func detached<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result { try work() })
            }
        }
    }

    private static func resolve(_ name: String, environment: [String: String]?) -> String? {
        let path = (environment ?? ProcessInfo.processInfo.environment)["PATH"] ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":") where FileManager.default.isExecutableFile(atPath: "\(dir)/\(name)") {
            return "\(dir)/\(name)"
        }
        return nil
    }

    private static func withCStrings<R>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> R) -> R {
        var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
        pointers.append(nil)
        defer { for p in pointers { free(p) } }
        return body(pointers)
    }
}
