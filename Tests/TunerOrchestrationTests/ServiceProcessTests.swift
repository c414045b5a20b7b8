import Foundation
import Testing
@testable import TunerOrchestration
#if canImport(Glibc)
import Glibc
#endif

/// A service Tuner starts holds nothing of Tuner's: its standard input, output and error, and no other descriptor.
@Suite struct ServiceProcessTests {
    @Test func aServiceInheritsNoDescriptorButItsOwnThree() async throws {
        // A descriptor without close-on-exec, as a library might leave one: it must not reach the service.
        let leaky = open("/dev/null", O_RDONLY)
        try #require(leaky >= 3)
        defer { close(leaky) }
        let directory = FileManager.default.temporaryDirectory.path
        // The shell lists its own descriptors (`$$` is the shell; `ls` runs as its child).
        let service = try ServiceProcess.start(command: "ls /proc/$$/fd; sleep 30", environment: [:], logDirectory: directory)
        defer { try? FileManager.default.removeItem(atPath: service.logPath) }
        var listed: [String] = []
        for _ in 0..<100 {
            listed = (try? String(contentsOfFile: service.logPath, encoding: .utf8))?.split(separator: "\n").map(String.init) ?? []
            if listed.contains("2") { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        await service.stop(grace: .milliseconds(100))
        #expect(listed.sorted() == ["0", "1", "2"], "the service held descriptors \(listed) (Tuner's \(leaky) among them?)")
    }
}
