import Foundation
import Testing
import TunerCore
@testable import TunerReport

@Suite struct SampleReportTests {
    /// A simulated tuning loop rendered end to end. With TUNER_SAMPLE_DIR set it also leaves the runs'
    /// result JSON there: scripts/screenshot-report.sh renders and screenshots those.
    @Test func aSimulatedTuningLoopRendersEverySection() throws {
        let before = SampleResult.make(.before, seconds: 60, rate: 400, seed: 21)
        let after = SampleResult.make(.after, seconds: 60, rate: 400, seed: 22)
        let report = PerformanceReport(result: after, baseline: before)
        let html = report.html()
        for id in ["summary", "parameters", "endpoints", "database", "findings", "recommendations", "comparison", "log", "notes"] {
            #expect(html.contains("<section id=\"\(id)\">"), "missing section \(id)")
        }
        // Per-second tooltips are thinned, so a long run stays a reasonable page.
        #expect(html.utf8.count < 600_000)
        if let directory = ProcessInfo.processInfo.environment["TUNER_SAMPLE_DIR"] {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try ResultFile.write(before, to: directory + "/before.json")
            try ResultFile.write(after, to: directory + "/after.json")
        }
    }
}
