import Foundation
import Testing
import TunerCore
@testable import TunerReport

@Suite struct OptimizationLogTests {
    @Test func aBaselineComparisonFillsOneEntryFromTheResolvedFinding() throws {
        let before = SampleResult.make(.before, seconds: 30, rate: 350, seed: 5)
        let after = SampleResult.make(.after, seconds: 30, rate: 350, seed: 6)
        #expect(!before.thresholdsPassed && after.thresholdsPassed)
        let report = PerformanceReport(result: after, baseline: before)
        let entry = try #require(report.log?.entries.first)
        #expect(entry.issue.contains("Sequential scans of orders"))
        #expect(entry.evidence.contains { $0.hasPrefix("sequential scans: ") })
        #expect(entry.change.contains("CREATE INDEX CONCURRENTLY orders_customer_id_idx"))
        #expect(entry.resolved.map(\.id).contains("seq-scan-during-load"))
        #expect(entry.impact.contains { $0.hasPrefix("all requests p99:") && $0.contains("better") })
        #expect(entry.impact.contains { $0.hasPrefix("product: ") && $0.contains("p95 −") })
        #expect(entry.impact.contains { $0.hasPrefix("database time per request: ") })
        #expect(entry.conclusion.hasPrefix("Success"))
        #expect(entry.conclusion.contains("Every threshold now holds"))
        let md = report.markdown()
        for field in ["### Optimization #1", "**Date:**", "**Issue:**", "**Evidence:**", "**Change:**", "- Before:", "- After:",
                      "- Actual impact:", "**Conclusion:** Success"] {
            #expect(md.contains(field), "missing \(field)")
        }
        #expect(md.contains("## Before and after"))
    }

    @Test func anExplicitChangeIsUsedAsWritten() throws {
        let before = SampleResult.make(.before, seconds: 10, rate: 80, seed: 5)
        let after = SampleResult.make(.after, seconds: 10, rate: 80, seed: 6)
        let report = PerformanceReport(result: after, baseline: before, change: "ALTER SYSTEM SET work_mem = '16MB';")
        #expect(report.log?.entries.first?.change == "ALTER SYSTEM SET work_mem = '16MB';")
    }

    @Test func severalStepsMakeOneEntryEachAndAStepTable() throws {
        let steps = [
            OptimizationStep(label: "baseline", result: SampleResult.make(.before, seconds: 20, rate: 150, seed: 1)),
            OptimizationStep(label: "index on orders(customer_id)", change: "CREATE INDEX orders_customer_id_idx ON orders (customer_id);",
                             result: SampleResult.make(.after, seconds: 20, rate: 150, seed: 2)),
            OptimizationStep(label: "no change (re-run)", change: "nothing: a second run to see the noise",
                             result: SampleResult.make(.after, seconds: 20, rate: 150, seed: 3)),
        ]
        let report = PerformanceReport(steps: steps)
        let log = try #require(report.log)
        #expect(log.entries.count == 2)
        #expect(log.entries[0].conclusion.hasPrefix("Success"))
        #expect(!log.entries[1].conclusion.hasPrefix("Success"))
        let md = report.markdown()
        #expect(md.contains("| index on orders(customer\\_id) |"))
        #expect(md.contains("### Optimization #2: no change (re-run)"))
        let html = report.html()
        #expect(html.contains("Optimization #2: no change (re-run)"))
        #expect(html.contains("index on orders(customer_id)"))
    }

    /// A capacity change is credited only when the two searches' intervals do not overlap: 9.2 → 25.6 req/s with
    /// intervals [9.2, 10.1) and [25.6, 28.2) is +178%; 9.2 → 9.6 with [9.2, 10.1) and [9.6, 10.6) is within the
    /// search's uncertainty, in the log's impact and conclusion, and in the guide's "Capacity increase".
    @Test func aCapacityChangeCountsOnlyWhenTheIntervalsSeparate() throws {
        func capacity(_ passed: Double, _ failed: Double) -> CapacityResult {
            var result = CapacityResult(
                maxSustainableRate: passed, isLowerBound: false, firstFailingRate: failed, failureReason: "SLO p95 failed",
                limitedByGenerator: false, slo: ["p95 < 200ms"], steps: [], kneeRate: nil, scalability: nil, sizing: nil,
                searchSeconds: 30)
            result.interval = CapacityInterval(passed: passed, failed: failed)
            return result
        }
        func steps(after: CapacityResult) -> [OptimizationStep] {
            var before = SampleResult.make(.before, seconds: 10, rate: 80, seed: 5)
            before.capacity = capacity(9.2, 10.1)
            var later = SampleResult.make(.before, seconds: 10, rate: 80, seed: 6)
            later.capacity = after
            return [OptimizationStep(label: "baseline", result: before),
                    OptimizationStep(label: "pool size", change: "SHOP_POOL_SIZE=10", result: later, topic: .connectionPool)]
        }
        let overlapping = try #require(OptimizationLog(steps: steps(after: capacity(9.6, 10.6))).entries.first)
        #expect(overlapping.impact.contains { $0.contains("within the search's uncertainty") && $0.contains("overlap") },
                "\(overlapping.impact)")
        #expect(!overlapping.conclusion.contains("+4"), "\(overlapping.conclusion)")
        let separate = try #require(OptimizationLog(steps: steps(after: capacity(25.6, 28.2))).entries.first)
        #expect(separate.impact.contains { $0.contains("9.2 → 25.6 (+178") }, "\(separate.impact)")

        let comparison = CapacityComparison(before: capacity(9.2, 10.1), after: capacity(9.6, 10.6))
        #expect(!comparison.isBeyondUncertainty && comparison.changeText == CapacityComparison.withinUncertainty)
        #expect(CapacityComparison(before: capacity(9.2, 10.1), after: capacity(10.1, 11)).isBeyondUncertainty)
        let guide = PerformanceReport(steps: steps(after: capacity(9.6, 10.6))).markdown()
        #expect(guide.contains("none beyond the search's uncertainty"), "\(guide.suffix(3000))")
    }
}
