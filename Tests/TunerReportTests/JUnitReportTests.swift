import Foundation
import FoundationXML
import Testing
import TunerCore
@testable import TunerReport

@Suite struct JUnitReportTests {
    @Test func oneTestCasePerThresholdAndAFailureForEachCrossedOne() throws {
        let result = SampleResult.make(.before, seconds: 20, rate: 100)
        let xml = PerformanceReport(result: result).junit()
        let document = try XMLDocument(xmlString: xml, options: [])
        let cases = try document.nodes(forXPath: "//testcase")
        #expect(cases.count == result.thresholds.count)
        let failures = try document.nodes(forXPath: "//testcase/failure")
        #expect(failures.count == result.thresholds.filter { !$0.passed }.count)
        #expect(failures.count > 0)
        let suite = try #require(try document.nodes(forXPath: "//testsuite").first as? XMLElement)
        #expect(suite.attribute(forName: "failures")?.stringValue == String(failures.count))
        #expect(suite.attribute(forName: "tests")?.stringValue == String(result.thresholds.count))
    }

    @Test func hostileNamesStayValidXML() throws {
        var result = SampleResult.make(.before, seconds: 12, rate: 50, hostile: true)
        result.notes.append("control \u{1} character and \"quotes\" & <tags>")
        let xml = PerformanceReport(result: result).junit()
        let document = try XMLDocument(xmlString: xml, options: [])
        let names = try document.nodes(forXPath: "//testcase/@classname").compactMap(\.stringValue)
        #expect(names.contains("tuner.thresholds.<script>alert('name')</script>"))
        #expect(!xml.contains("<script>"))
    }

    @Test func noThresholdsIsAnEmptyButValidSuite() throws {
        var result = SampleResult.make(.after, seconds: 5, rate: 20, withDatabase: false)
        result.thresholds = []
        let document = try XMLDocument(xmlString: PerformanceReport(result: result).junit(), options: [])
        #expect(try document.nodes(forXPath: "//testcase").isEmpty)
    }
}
