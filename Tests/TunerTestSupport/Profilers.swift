import Foundation

/// What the profiler tests may use on this machine.
public enum Profilers {
    /// perf samples another process as root (CI runs as root) or where `kernel.perf_event_paranoid` allows it.
    public static var perfMaySample: Bool {
        let paranoid = (try? String(contentsOfFile: "/proc/sys/kernel/perf_event_paranoid", encoding: .utf8))
            .flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) } ?? 3
        return FileManager.default.isExecutableFile(atPath: "/usr/bin/perf") && (getuid() == 0 || paranoid <= 1)
    }

    /// The native fixture whose CPU goes three quarters to `burn_hot` and one to `burn_cold`
    /// (`Tests/TunerOrchestrationTests/Fixtures/hot_server.c`), built with gcc into `directory`: its path.
    public static func buildHotServer(in directory: String) throws -> String {
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("TunerOrchestrationTests/Fixtures/hot_server.c").path
        let binary = directory + "/hot_server"
        // -O0: the two functions stay two (no inlining, no folding of identical code) and cost the same per loop.
        _ = try TestProgram.run("/usr/bin/env", ["gcc", "-O0", "-g", "-fno-omit-frame-pointer", "-pthread", "-o", binary, source])
        return binary
    }
}
