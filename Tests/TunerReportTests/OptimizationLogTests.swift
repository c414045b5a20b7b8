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
}
