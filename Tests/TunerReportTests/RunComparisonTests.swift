import Foundation
import Testing
import TunerCore
@testable import TunerReport

@Suite struct RunComparisonTests {
    @Test func aRealImprovementIsBeyondNoise() throws {
        let before = SampleResult.make(.before, seconds: 40, rate: 200, seed: 3)
        let after = SampleResult.make(.after, seconds: 40, rate: 200, seed: 4)
        let comparison = RunComparison(before: before, after: after)
        let all = comparison.overall
        for name in ["p50", "p95", "p99"] {
            let figure = try #require(all.figure(name))
            #expect(figure.verdict == .improved, "\(name): \(figure.evidence)")
            #expect(figure.changePercent < -50)
        }
        let product = try #require(comparison.endpoints.first { $0.name == "product" })
        #expect(product.figure("p95")?.verdict == .improved)
        #expect(product.figure("p95")?.evidence.contains("quantile interval") == true)
        let dbTime = try #require(comparison.database.first { $0.name == "database time per request" })
        #expect(dbTime.verdict == .improved)
        let slowQuery = try #require(comparison.queries.first { $0.before?.queryID == "-4821" })
        #expect(slowQuery.figures.first { $0.name == "mean time" }?.verdict == .improved)
        #expect(slowQuery.figures.first { $0.name == "calls per request" }?.verdict == .withinNoise)
        #expect(comparison.database.first { $0.name == "cache hit ratio" }?.verdict == .improved)
        #expect(comparison.database.first { $0.name == "pool waiters (mean)" }?.verdict == .improved)
    }

    @Test func twoRunsOfTheSameSystemAreWithinNoise() throws {
        let first = SampleResult.make(.after, seconds: 40, rate: 200, seed: 11)
        let second = SampleResult.make(.after, seconds: 40, rate: 200, seed: 12)
        let comparison = RunComparison(before: first, after: second)
        for endpoint in comparison.endpoints {
            for figure in endpoint.figures where figure.name != "error rate" {
                #expect(!figure.verdict.isBeyondNoise,
                        "\(endpoint.name) \(figure.name): \(figure.beforeText) → \(figure.afterText) \(figure.evidence)")
            }
        }
    }

    @Test func smallChangesAreWithinNoiseWhateverTheTest() {
        let rule = NoiseRule.standard
        let change = rule.change("p50", unit: .milliseconds, before: 10, after: 10.3, direction: .lowerIsBetter,
                                 estimate: .series(before: [10, 10, 10, 10], after: [10.3, 10.3, 10.3, 10.3], label: "test"))
        #expect(change.verdict == .withinNoise)
        let big = rule.change("p50", unit: .milliseconds, before: 10, after: 13, direction: .lowerIsBetter,
                              estimate: .series(before: [9, 11, 10, 10], after: [12, 14, 13, 13], label: "test"))
        #expect(big.verdict == .regressed)
        let noisy = rule.change("p50", unit: .milliseconds, before: 10, after: 13, direction: .lowerIsBetter,
                                estimate: .series(before: [2, 18, 5, 15], after: [4, 22, 6, 20], label: "test"))
        #expect(noisy.verdict == .withinNoise)
    }

    @Test func welchTestMatchesAHandComputedExample() throws {
        let test = try #require(WelchTest(before: [1, 2, 3, 4, 5], after: [6, 7, 8, 9, 10]))
        #expect(abs(test.t - 5) < 1e-9)
        #expect(abs(test.degreesOfFreedom - 8) < 1e-9)
        #expect(test.isSignificant(confidence: 0.95))
        #expect(test.isSignificant(confidence: 0.99))
        #expect(WelchTest(before: [1], after: [2, 3]) == nil)
        #expect(abs(WelchTest.criticalValue(degreesOfFreedom: 8, confidence: 0.95) - 2.306) < 1e-3)
        #expect(abs(WelchTest.criticalValue(degreesOfFreedom: 30, confidence: 0.95) - 2.042) < 2e-3)
        #expect(abs(WelchTest.criticalValue(degreesOfFreedom: 100, confidence: 0.95) - 1.984) < 2e-3)
        #expect(abs(WelchTest.criticalValue(degreesOfFreedom: 11, confidence: 0.99) - 3.106) < 2e-3)
        #expect(abs(WelchTest.criticalValue(degreesOfFreedom: 30, confidence: 0.99) - 2.750) < 2e-3)
        #expect(abs(WelchTest.criticalValue(degreesOfFreedom: 100, confidence: 0.99) - 2.626) < 2e-3)
        // Too few samples beyond p99.9 to say anything about it.
        let few = RunComparison(before: SampleResult.make(.after, seconds: 5, rate: 40, seed: 1),
                                after: SampleResult.make(.after, seconds: 5, rate: 40, seed: 2))
        // The comparison says so instead of a percentage.
        let tail = try #require(few.endpoints[1].figure("p99.9"))
        #expect(tail.verdict == .tooFewSamples)
        #expect(tail.changeText == "too few samples")
        #expect(tail.evidence.contains("needed"))
    }

    @Test func endpointsInOneRunOnlyAreListedAsSuch() {
        let before = SampleResult.make(.after, seconds: 10, rate: 50, seed: 1)
        var after = SampleResult.make(.after, seconds: 10, rate: 50, seed: 2)
        after.requests.removeLast()
        let comparison = RunComparison(before: before, after: after)
        #expect(comparison.endpoints.first { $0.name == "order" }?.presence == .onlyBefore)
    }
}
