import Foundation
import TunerCore

/// junit.xml for CI: one test case per threshold, a `<failure>` when it was crossed.
enum JUnitReport {
    static func render(_ result: LoadResult) -> String {
        let failures = result.thresholds.filter { !$0.passed }.count
        let time = String(format: "%.3f", result.overall.durationSeconds)
        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        xml += "<testsuites name=\"tuner\" tests=\"\(result.thresholds.count)\" failures=\"\(failures)\" errors=\"0\" time=\"\(time)\">\n"
        xml += "  <testsuite name=\(attr("thresholds: " + result.configuration.target)) tests=\"\(result.thresholds.count)\" "
            + "failures=\"\(failures)\" errors=\"0\" skipped=\"0\" time=\"\(time)\" timestamp=\(attr(NumberFormat.timestamp(result.startedAt)))>\n"
        xml += "    <properties>\n"
        for (name, value) in properties(result) {
            xml += "      <property name=\(attr(name)) value=\(attr(value))/>\n"
        }
        xml += "    </properties>\n"
        for outcome in result.thresholds {
            let t = outcome.threshold
            let classname = "tuner.thresholds." + t.scope
            xml += "    <testcase classname=\(attr(classname)) name=\(attr(t.expression)) time=\"\(time)\">"
            if outcome.passed {
                if let note = outcome.note { xml += "<system-out>\(note.xmlEscaped)</system-out>" }
                xml += "</testcase>\n"
                continue
            }
            let message = "\(t.scope): \(t.metric) measured \(outcome.measuredDescription), limit \(t.expression)"
                + (outcome.note.map { "; \($0)" } ?? "")
            xml += "\n      <failure message=\(attr(message)) type=\"threshold\">"
            xml += "\(t.description) crossed: measured \(outcome.measuredDescription)".xmlEscaped
            xml += "</failure>\n    </testcase>\n"
        }
        xml += "    <system-out>\(summary(result).xmlEscaped)</system-out>\n"
        xml += "  </testsuite>\n</testsuites>\n"
        return xml
    }

    private static func attr(_ value: String) -> String { "\"\(value.xmlEscaped)\"" }

    private static func properties(_ r: LoadResult) -> [(String, String)] {
        [
            ("target", r.configuration.target),
            ("model", r.configuration.model),
            ("tool", r.tool),
            ("requests", String(r.overall.count)),
            ("rps", NumberFormat.number(r.overall.rps)),
            ("p50_ms", NumberFormat.significant(r.overall.latency.p50)),
            ("p95_ms", NumberFormat.significant(r.overall.latency.p95)),
            ("p99_ms", NumberFormat.significant(r.overall.latency.p99)),
            ("error_rate", NumberFormat.percent(r.overall.errorRate)),
        ]
    }

    private static func summary(_ r: LoadResult) -> String {
        "\(r.overall.count) requests at \(NumberFormat.rate(r.overall.rps)); p50 \(NumberFormat.millis(r.overall.latency.p50)), "
            + "p95 \(NumberFormat.millis(r.overall.latency.p95)), p99 \(NumberFormat.millis(r.overall.latency.p99)); "
            + "errors \(NumberFormat.percent(r.overall.errorRate))"
    }
}
