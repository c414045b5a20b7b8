import Foundation
import Testing
import TunerCore
import TunerReport

/// The findings renderers: grouping, caps, escaping of text that came from a database.
struct FindingsRendererTests {
    static func finding(_ id: String, _ severity: Severity, object: String = "public.t", fix: String? = "SELECT 1;")
        -> Finding
    {
        Finding(id: id, severity: severity, object: object, title: "Title of \(id)",
                evidence: [Finding.Evidence("rows", 1200), Finding.Evidence("query", "SELECT * FROM t WHERE a = $1")],
                why: "Because.", fix: fix, source: "check")
    }

    @Test func textGroupsBySeverityAndCapsEachKind() {
        let findings = [Self.finding("b", .info)] + (1...4).map { Self.finding("a", .warning, object: "o\($0)") }
            + [Self.finding("c", .critical, fix: "DROP INDEX x;\nCREATE INDEX y;")]
        let text = FindingsTextRenderer(maximumPerID: 3, omittedHint: "see json")
            .render(findings, title: "T", facts: [Finding.Evidence("server", "PostgreSQL 15")], notes: ["x: no access"])
        let critical = text.range(of: "CRITICAL (1)")!.lowerBound
        let warning = text.range(of: "WARNING (4)")!.lowerBound
        let info = text.range(of: "INFO (1)")!.lowerBound
        #expect(critical < warning && warning < info)
        #expect(text.contains("o3") && !text.contains("o4"))
        #expect(text.contains("… and 1 more a finding (see json)"))
        #expect(text.contains("    fix: DROP INDEX x;\n         CREATE INDEX y;"))
        #expect(text.contains("evidence: rows 1200"))
        #expect(text.contains("  - x: no access"))
        #expect(text.hasSuffix("1 critical, 4 warnings, 1 info\n"))
    }

    @Test func textDropsTerminalEscapesFromDatabaseText() {
        let hostile = Finding(id: "x", severity: .info, object: "t\u{1B}[31mred", title: "a\nb", why: "w", source: "check")
        let text = FindingsTextRenderer().render([hostile])
        #expect(!text.contains("\u{1B}"))
        #expect(text.contains("a b"))
    }

    @Test func markdownEscapesAndFencesTheFix() {
        let hostile = Finding(id: "x", severity: .warning, object: "a|b <script>", title: "t",
                              evidence: [Finding.Evidence("q", "x | y")], why: "w", fix: "SELECT '```';", source: "check")
        let markdown = FindingsMarkdownRenderer().render([hostile])
        #expect(markdown.contains("a\\|b &lt;script&gt;"))
        #expect(markdown.contains("| q | x \\| y |"))
        #expect(markdown.contains("````sql\nSELECT '```';\n````"))
        #expect(markdown.contains("### Warning (1)"))
    }

    @Test func jsonRoundTrips() throws {
        let findings = [Self.finding("a", .warning)]
        let json = try FindingsJSON.render(findings)
        struct Document: Decodable { var findings: [Finding] }
        let decoded = try JSONDecoder().decode(Document.self, from: Data(json.utf8))
        #expect(decoded.findings == findings)
        #expect(FindingsSummary.crosses(findings, level: .warning))
        #expect(!FindingsSummary.crosses(findings, level: .critical))
    }
}
