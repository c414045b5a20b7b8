import Foundation
import TunerCore

/// Samples the service's process and its threads with Linux perf (`perf record -g` at a low frequency, then
/// `perf script`): native code (C, C++, Rust, Go, Swift) as folded stacks, with the place to act in the service's own
/// code (frames of its executable, not of libc, the kernel, or a Go or Rust standard library).
public struct PerfProfiler: ServiceProfiler {
    public let pid: Int32
    /// Samples per second per thread: low, so that the profiler costs the service little (perf's default is 4000).
    public var frequency = 99
    /// The perf program (`perf` on the PATH by default).
    public var perf = "perf"

    public init(pid: Int32) {
        self.pid = pid
    }

    public var label: String { "perf on pid \(pid)" }

    public func collect(start: Double, seconds: Int, end: Double?) async -> Result<CPUProfile, WorkflowError> {
        guard let (asked, seconds) = await Self.waitForWindow(from: .now, start: start, seconds: seconds, end: end) else {
            return .failure(WorkflowError("perf: interrupted before the profile was taken"))
        }
        let executable = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/exe")
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("tuner-perf-\(getpid())-\(pid).data").path
        defer { try? FileManager.default.removeItem(atPath: data) }
        do {
            let record = try await ExternalCommand.run(perf, ["record", "-F", String(frequency), "-g", "-p", String(pid), "-o", data,
                                                              "--", "sleep", String(seconds)])
            guard record.status == 0 else { return .failure(Self.recordFailure(record, pid: pid)) }
            let script = try await ExternalCommand.run(perf, ["script", "-i", data, "-F", "comm,tid,ip,sym,dso"])
            guard script.status == 0 else { return .failure(WorkflowError("perf script failed: \(script.reason)")) }
            let (stacks, own) = Self.fold(script: script.output, executable: executable)
            guard stacks.total > 0 else {
                let said = [record.reason, script.reason].filter { !$0.isEmpty }.joined(separator: " | ")
                return .failure(WorkflowError("perf: no samples of pid \(pid) in \(seconds) s: the service was idle, or it is not the process that does the work"
                    + (said.isEmpty ? "" : " (perf: \(said.prefix(300)))")))
            }
            return .success(CPUProfile(stacks: stacks, own: own, profiler: "perf", source: "perf on pid \(pid)"
                + (executable.map { " (\($0))" } ?? ""), seconds: Double(seconds), startSecond: asked))
        } catch {
            return .failure(WorkflowError("perf could not run (\(error)): install it (Debian: linux-perf) or profile another way"))
        }
    }

    /// perf's refusal in one line, with what would allow it.
    static func recordFailure(_ outcome: ExternalCommand.Outcome, pid: Int32) -> WorkflowError {
        let text = outcome.errors + outcome.output
        if text.contains("perf_event_paranoid") || text.contains("Permission denied") || text.contains("Access to performance monitoring") {
            return WorkflowError("perf may not sample pid \(pid) here: run as root, or allow it with "
                + "`sysctl kernel.perf_event_paranoid=1` (or the CAP_PERFMON capability)")
        }
        if text.contains("No such process") || text.contains("Couldn't find") {
            return WorkflowError("perf: no process \(pid) (it exited, or is not visible here)")
        }
        return WorkflowError("perf record exited with \(outcome.status): "
            + (outcome.reason.isEmpty ? "it said nothing (did pid \(pid) or one of its threads end as perf attached?)" : outcome.reason))
    }

    /// `perf script -F comm,tid,ip,sym,dso` as folded stacks, one sample each, the thread's command as the root
    /// frame; and the frames of the service's own code: those of its executable, but for a Go binary only the program's
    /// own packages (its runtime and standard library are in the same file) and for Rust not `std`, `core` or `alloc`.
    static func fold(script: String, executable: String?) -> (FoldedStacks, own: Set<String>) {
        var stacks: [FoldedStacks.Stack] = []
        var ownFrames = Set<String>()
        var executableFrames = Set<String>()
        var command: String?
        var frames: [String] = []  // innermost first
        func finish() {
            if let command, !frames.isEmpty { stacks.append(.init(frames: [command] + frames.reversed(), weight: 1)) }
            command = nil
            frames = []
        }
        for line in script.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.isEmpty {
                finish()
            } else if line.first == " " || line.first == "\t" {
                guard command != nil else { continue }
                let text = line.trimmingCharacters(in: .whitespaces)
                // `ip symbol (dso)`: the symbol may hold spaces (C++), the dso is the last parenthesis.
                guard let space = text.firstIndex(of: " ") else { continue }
                var rest = text[text.index(after: space)...]
                var dso = ""
                if rest.hasSuffix(")"), let open = rest.range(of: " (", options: .backwards) {
                    dso = String(rest[open.upperBound..<rest.index(before: rest.endIndex)])
                    rest = rest[..<open.lowerBound]
                }
                var symbol = rest.trimmingCharacters(in: .whitespaces)
                if symbol.isEmpty || symbol == "[unknown]" {
                    symbol = "[\(URL(fileURLWithPath: dso).lastPathComponent.isEmpty ? "unknown" : URL(fileURLWithPath: dso).lastPathComponent)]"
                } else if dso.hasPrefix("[kernel") {
                    symbol += " [k]"
                }
                if let executable, dso == executable { executableFrames.insert(symbol) }
                frames.append(symbol)
            } else {
                finish()
                // `comm tid`: the command may hold spaces; the thread id is the last field.
                let fields = line.split(separator: " ")
                command = fields.count > 1 ? fields.dropLast().joined(separator: " ") : String(line)
            }
        }
        finish()
        let isGo = executableFrames.contains { $0.hasPrefix("runtime.") }
        for frame in executableFrames {
            if isGo {
                if PprofDecoder.isOwnGoCode(function: frame, file: "") { ownFrames.insert(frame) }
            } else if !["std::", "core::", "alloc::", "<std::", "<core::", "<alloc::", "__libc_", "_start"].contains(where: frame.hasPrefix) {
                ownFrames.insert(frame)
            }
        }
        var folded = FoldedStacks(stacks: stacks)
        folded.merge()
        return (folded, ownFrames)
    }
}
