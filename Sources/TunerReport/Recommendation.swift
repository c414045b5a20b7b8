import TunerCore

/// A change the report recommends, with the measured evidence behind it.
public struct Recommendation: Sendable {
    public var title: String
    /// What to paste (SQL, a setting); nil when the change is not a paste (`why` says what to do).
    public var change: String?
    /// `name: value` facts from the run.
    public var evidence: [String]
    public var why: String
    public var severity: Severity
    /// The finding it comes from (`missing-fk-index`), if any.
    public var findingID: String?
    /// The object concerned (`public.orders (customer_id)`).
    public var object: String?
}

extension LoadResult {
    /// What to change, most severe first: every finding with a fix or of warning severity and above,
    /// and a generator that limited the run.
    public var recommendations: [Recommendation] {
        var out = findings.enumerated()
            .filter { $0.element.fix != nil || $0.element.severity >= .warning }
            .sorted { ($0.element.severity, -$0.offset) > ($1.element.severity, -$1.offset) }
            .map { _, f in
                Recommendation(title: f.title, change: f.fix, evidence: f.evidence.map { "\($0.name): \($0.displayValue)" },
                               why: f.why, severity: f.severity, findingID: f.id, object: f.object)
            }
        if generator.wasBottleneck {
            out.append(Recommendation(
                title: "Give the load generator more CPU before trusting the latency figures",
                change: nil,
                evidence: ["generator CPU mean: \(NumberFormat.percent(generator.cpuPercentMean / 100))",
                           "generator CPU max: \(NumberFormat.percent(generator.cpuPercentMax / 100))",
                           "cores: \(generator.cores)"],
                why: "The generator itself was near saturation, so its latencies include its own queueing: run it on "
                    + "another machine or split the load into shards (`tuner merge`).",
                severity: .warning, findingID: nil, object: nil))
        }
        return out
    }
}
