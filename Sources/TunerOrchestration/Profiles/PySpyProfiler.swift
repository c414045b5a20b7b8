import Foundation
import TunerCore

/// Samples a Python service's process with py-spy (`py-spy record --format raw`, folded stacks of Python frames):
/// the place to act is the innermost frame of the service's own files, not the standard library's or an installed
/// package's. py-spy is installed from PyPI into Tuner's own tool directory when it is not on the PATH.
public struct PySpyProfiler: ServiceProfiler {
    public let pid: Int32
    /// Samples per second (py-spy's default is 100).
    public var rate = 100
    /// Says what is being set up (installing py-spy), one line.
    public var say: @Sendable (String) -> Void = { _ in }
    /// The py-spy program to run (`nil`: on the PATH, else Tuner's own copy, installed when missing).
    public var program: String?

    public init(pid: Int32) {
        self.pid = pid
    }

    public var label: String { "py-spy on pid \(pid)" }

    /// Tuner's own tools: `$XDG_CACHE_HOME/tuner/tools`, else `~/.cache/tuner/tools`.
    static var toolDirectory: String {
        let environment = ProcessInfo.processInfo.environment
        let cache = environment["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache").path
        return cache + "/tuner/tools"
    }

    /// py-spy on the PATH, else in the tool directory's virtual environment, installed there when missing.
    func pySpy() async throws(WorkflowError) -> String {
        if let program { return program }
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            let path = "\(directory)/py-spy"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        let environment = Self.toolDirectory + "/venv"
        let program = environment + "/bin/py-spy"
        if FileManager.default.isExecutableFile(atPath: program) { return program }
        say("installing py-spy from PyPI into \(environment) (once)")
        do {
            try FileManager.default.createDirectory(atPath: Self.toolDirectory, withIntermediateDirectories: true)
            let venv = try await ExternalCommand.run("python3", ["-m", "venv", environment])
            guard venv.status == 0 else { throw WorkflowError("python3 -m venv failed: \(venv.reason)") }
            let pip = try await ExternalCommand.run(environment + "/bin/pip", ["install", "-q", "py-spy"])
            guard pip.status == 0, FileManager.default.isExecutableFile(atPath: program) else {
                throw WorkflowError("pip install py-spy failed: \(pip.reason)")
            }
            return program
        } catch let error as WorkflowError {
            throw WorkflowError("py-spy is not installed and could not be (\(error.description)): pip install py-spy")
        } catch {
            throw WorkflowError("py-spy is not installed and could not be (\(error)): pip install py-spy")
        }
    }

    public func collect(start: Double, seconds: Int, end: Double?) async -> Result<CPUProfile, WorkflowError> {
        let program: String
        do {
            program = try await pySpy()
        } catch {
            return .failure(error)
        }
        guard let (asked, seconds) = await Self.waitForWindow(from: .now, start: start, seconds: seconds, end: end) else {
            return .failure(WorkflowError("py-spy: interrupted before the profile was taken"))
        }
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("tuner-py-spy-\(getpid())-\(pid).txt").path
        defer { try? FileManager.default.removeItem(atPath: output) }
        do {
            let record = try await ExternalCommand.run(program, [
                "record", "--pid", String(pid), "--duration", String(seconds), "--rate", String(rate), "--format", "raw",
                "--nolineno", "--full-filenames", "--nonblocking", "--output", output,
            ])
            guard record.status == 0 else {
                let text = record.errors + record.output
                if text.contains("Permission denied") || text.contains("Operation not permitted") {
                    return .failure(WorkflowError("py-spy may not read pid \(pid): run as root, or allow ptrace (`sysctl kernel.yama.ptrace_scope=0`, or the CAP_SYS_PTRACE capability)"))
                }
                return .failure(WorkflowError("py-spy record exited with \(record.status): \(record.reason)"))
            }
            let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
            let (stacks, own) = try Self.fold(raw: text)
            guard stacks.total > 0 else {
                return .failure(WorkflowError("py-spy: no samples of pid \(pid) in \(seconds) s: the service was idle, or it is not a Python process"))
            }
            return .success(CPUProfile(stacks: stacks, own: own, profiler: "py-spy", source: "py-spy on pid \(pid)",
                                       seconds: Double(seconds), startSecond: asked))
        } catch {
            return .failure(WorkflowError("py-spy could not run: \(error)"))
        }
    }

    /// py-spy's raw output (folded stacks whose frames read `function (/path/file.py)`, after a `process …` and a
    /// thread frame), and the frames of the service's own files: not the standard library (`…/lib/python3.X/…`) and
    /// not an installed package (`site-packages`, `dist-packages`).
    static func fold(raw: String) throws(ParseError) -> (FoldedStacks, own: Set<String>) {
        let stacks = try FoldedStacks(parsing: raw)
        var own = Set<String>()
        for stack in stacks.stacks {
            for frame in stack.frames where isOwnPythonFrame(frame) { own.insert(frame) }
        }
        return (stacks, own)
    }

    /// `handle (/srv/app/app.py)`: its file is the service's own unless it is in Python's library or a package.
    static func isOwnPythonFrame(_ frame: String) -> Bool {
        guard frame.hasSuffix(")"), let open = frame.range(of: " (", options: .backwards) else { return false }
        let file = frame[open.upperBound..<frame.index(before: frame.endIndex)]
        guard file.hasSuffix(".py") else { return false }
        if file.contains("/site-packages/") || file.contains("/dist-packages/") { return false }
        // The standard library: …/lib/python3.11/…, and frozen modules (`<frozen importlib._bootstrap>`).
        if file.range(of: #"/lib/python3(\.\d+)?/"#, options: .regularExpression) != nil || file.hasPrefix("<") { return false }
        return true
    }
}
