import Foundation
import Testing
import TunerCore
@testable import TunerReport

/// A result of `tuner capacity` rendered: the answer, the curves over the offered rate, every step.
struct CapacityReportTests {
    static func step(_ phase: CapacityStep.Phase, _ offered: Double, achieved: Double? = nil, p99: Double,
                     passed: Bool = true, reason: String? = nil) -> CapacityStep {
        CapacityStep(phase: phase, offeredRate: offered, achievedRate: achieved ?? offered, p50: p99 / 3, p95: p99 / 1.5,
                     p99: p99, mean: p99 / 3, requests: 1_000, errors: passed ? 0 : 12, passed: passed, reason: reason,
                     measuredSeconds: 10, generatorCPUPercent: 3)
    }

    static func result() -> LoadResult {
        var result = SampleResult.make(.after, seconds: 20, rate: 100)
        result.capacity = CapacityResult(
            maxSustainableRate: 196, isLowerBound: false, firstFailingRate: 206,
            failureReason: "achieved 198 req/s, 96% of the offered 206 <script>", limitedByGenerator: false,
            slo: ["p99 < 200ms"],
            steps: [step(.probe, 250, p99: 300), step(.search, 125, p99: 42), step(.search, 187, p99: 45),
                    step(.search, 281, achieved: 200, p99: 900, passed: false, reason: "SLO p99 < 200ms failed (measured 900ms)"),
                    step(.search, 206, achieved: 198, p99: 150, passed: false, reason: "achieved 198 req/s, 96% of the offered 206 <script>"),
                    step(.search, 196, p99: 47), step(.confirm, 196, p99: 48)],
            kneeRate: 196, scalability: nil, sizing: CapacitySizing.instances(for: 1_000, capacity: 196, headroom: 0.3),
            searchSeconds: 95)
        return result
    }

    @Test func markdownHasTheAnswerAndEveryStep() {
        let markdown = PerformanceReport(result: Self.result()).markdown()
        #expect(markdown.contains("## Capacity"))
        #expect(markdown.contains("- maximum sustainable rate: 196 req/s at the SLO (p99 &lt; 200ms)"))
        #expect(markdown.contains("first failing rate: 206 req/s"))
        #expect(markdown.contains("for 1,000 req/s: 8 instances like this one, each planned at 137 req/s (30% headroom)"))
        #expect(markdown.contains("| confirm | 196 |"))
        #expect(markdown.contains("| probe | closed model |"))
    }

    @Test func htmlHasTheHockeyStickAndEscapesReasons() {
        let html = PerformanceReport(result: Self.result()).html()
        #expect(html.contains("<section id=\"capacity\"><h2>Capacity</h2>"))
        #expect(html.contains("aria-label=\"Latency versus offered load\""))
        #expect(html.contains("aria-label=\"Throughput versus offered load\""))
        #expect(!html.contains("<script>"))
        #expect(html.contains("&lt;script&gt;"))
    }

    @Test func aResultWithoutCapacityHasNoSection() {
        let result = SampleResult.make(.after, seconds: 20, rate: 100)
        #expect(!PerformanceReport(result: result).markdown().contains("## Capacity"))
        #expect(!PerformanceReport(result: result).html().contains("id=\"capacity\""))
    }
}
