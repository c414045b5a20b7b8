import Foundation
import Testing
import TunerCore
@testable import TunerReport

@Suite struct MarkdownReportTests {
    @Test func followsTheBaselineReportStructureWithMeasuredNumbers() {
        let result = SampleResult.make(.before, seconds: 20, rate: 100)
        let md = PerformanceReport(result: result).markdown()
        let headings = ["## Summary", "## Test parameters", "## Endpoints", "## Database during the run",
                        "### Top statements by database time", "### Index usage", "### Sequential scans", "### Connections",
                        "### Cache", "## Findings", "## Recommended changes"]
        var position = md.startIndex
        for heading in headings {
            let found = md.range(of: heading, range: position..<md.endIndex)
            #expect(found != nil, "missing or out of order: \(heading)")
            if let found { position = found.upperBound }
        }
        #expect(!md.contains("[FILL IN]"))
        let list = result.requests[0]
        #expect(md.contains("| `list-products` | \(NumberFormat.count(list.count)) | \(NumberFormat.number(list.rps)) | \(NumberFormat.millis(list.latency.p50))"))
        #expect(md.contains("❌ fail"))
        #expect(md.contains("96.2%"))
        // The critical finding comes first among the recommendations, with its fix as SQL.
        let create = md.range(of: "```sql\nCREATE INDEX CONCURRENTLY orders_customer_id_idx")
        let drop = md.range(of: "DROP INDEX CONCURRENTLY")
        #expect(create != nil && drop != nil && create!.lowerBound < drop!.lowerBound)
    }

    @Test func sharesOfDatabaseTimeAddUpAndAreSortedByTime() throws {
        let result = SampleResult.make(.before, seconds: 20, rate: 100)
        let db = try #require(result.database)
        let md = PerformanceReport(result: result).markdown()
        let top = db.queriesByTime[0]
        let share = top.totalMilliseconds / db.totalQueryMilliseconds
        #expect(md.contains("| 1 | \(top.query.markdownCode)"))
        #expect(md.contains(NumberFormat.percent(share)))
    }

    @Test func aPlainLoadResultSaysTheDatabaseWasNotObserved() {
        let md = PerformanceReport(result: SampleResult.make(.after, seconds: 10, rate: 50, withDatabase: false)).markdown()
        #expect(md.contains("Not observed"))
        #expect(!md.contains("### Index usage"))
        #expect(!md.contains("## Before and after"))
    }

    @Test func hostileTextCannotInjectHTMLOrBreakTables() {
        let md = PerformanceReport(result: SampleResult.make(.before, seconds: 10, rate: 50, hostile: true)).markdown()
        for line in md.split(separator: "\n") where !line.hasPrefix("    ") {
            // Outside code spans, markup characters are escaped.
            var inCode = false
            var outside = ""
            for c in line {
                if c == "`" { inCode.toggle(); continue }
                if !inCode { outside.append(c) }
            }
            #expect(!outside.contains("<script"), "raw markup in: \(line)")
            #expect(!outside.contains("<img"), "raw markup in: \(line)")
        }
    }
}
