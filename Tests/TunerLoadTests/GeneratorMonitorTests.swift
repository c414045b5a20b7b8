import Foundation
import Testing
@testable import TunerLoad

/// Whether the generator was the bottleneck is judged on its event loops' threads, not on the whole process.
@Suite(.serialized) struct GeneratorMonitorTests {
    /// Burns CPU on the calling thread for `seconds`.
    static func spin(_ seconds: Double) {
        let end = Date().addingTimeInterval(seconds)
        var x = 0.0
        while Date() < end { x += sin(x) + 1 }
        #expect(x > 0)
    }

    @Test func aBusyLoopThreadIsTheBottleneck() {
        var monitor = GeneratorMonitor(cores: 2, threads: 1)
        let start = GeneratorMonitor.threadCPUSeconds()
        let began = Date()
        monitor.sample(isMeasured: true, loopCPUSeconds: start)
        // Spin until this thread has used 50 ms of CPU (a machine busy with other suites gives it less than the
        // wall time; 10 s at most).
        let deadline = Date().addingTimeInterval(10)
        while GeneratorMonitor.threadCPUSeconds() - start < 0.05 && Date() < deadline { Self.spin(0.01) }
        // The loop thread's own clock: it ran all the time it could. On a machine shared with other tests it gets
        // less than the wall time, so the sample is given as what it would be on a quiet one (the spin's wall time).
        let used = GeneratorMonitor.threadCPUSeconds() - start
        #expect(used > 0.05, "the thread clock advances with the thread's work")
        monitor.sample(isMeasured: true, loopCPUSeconds: start + Date().timeIntervalSince(began))
        #expect(monitor.stats().wasBottleneck, "\(monitor.loopSamples)")
    }

    @Test func otherWorkInTheProcessIsNot() async {
        var monitor = GeneratorMonitor(cores: 2, threads: 1)
        let idleLoopCPU = GeneratorMonitor.threadCPUSeconds()
        monitor.sample(isMeasured: true, loopCPUSeconds: idleLoopCPU)
        // Two other threads of the same process burn CPU (the process uses most of the machine); the "loop" (this
        // thread's clock, frozen here) does not.
        for _ in 0..<2 { Thread { Self.spin(0.3) }.start() }
        try? await Task.sleep(for: .milliseconds(350))
        monitor.sample(isMeasured: true, loopCPUSeconds: idleLoopCPU + 0.01)
        #expect(!monitor.stats().wasBottleneck, "\(monitor.loopSamples)")
    }
}
