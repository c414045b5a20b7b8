import TunerCore

/// Findings as a terminal report: grouped by severity (critical first), each with its evidence,
/// why it matters and the fix, then the notes (checks not run) and a one-line summary.
public struct FindingsTextRenderer: Sendable {
    /// ANSI colours for the severity headings.
    public var usesColor: Bool
    /// At most this many findings with the same id per severity; the rest are counted (`nil`: all).
    public var maximumPerID: Int?
    /// Said after a cut group, e.g. "use --all or --format json to see them".
    public var omittedHint: String

    public init(usesColor: Bool = false, maximumPerID: Int? = 10, omittedHint: String = "--format json lists them all") {
        self.usesColor = usesColor
        self.maximumPerID = maximumPerID
        self.omittedHint = omittedHint
    }

    /// Renders `findings` under `title`, with `facts` (an overview line) and `notes` (things not checked).
    public func render(_ findings: [Finding], title: String? = nil, facts: [Finding.Evidence] = [],
                       notes: [String] = []) -> String {
        var out: [String] = []
        if let title { out.append(bold(title)) }
        if !facts.isEmpty { out += wrap(facts.map { "\($0.name): \($0.value)" }, indent: "  ") }
        for severity in Severity.allCases.reversed() {
            let group = findings.filter { $0.severity == severity }
            guard !group.isEmpty else { continue }
            if out.last != "" { out.append("") }
            out.append(heading(severity, count: group.count))
            var shown: [String: Int] = [:]
            var omitted: [String: Int] = [:]
            for finding in group {
                let count = shown[finding.id, default: 0]
                if let maximumPerID, count >= maximumPerID {
                    omitted[finding.id, default: 0] += 1
                    continue
                }
                shown[finding.id] = count + 1
                out += lines(for: finding)
            }
            for (id, count) in omitted.sorted(by: { $0.key < $1.key }) {
                out.append("  … and \(count) more \(id) finding\(count == 1 ? "" : "s") (\(omittedHint))")
            }
        }
        if findings.isEmpty { out.append(""); out.append("No findings.") }
        if !notes.isEmpty {
            if out.last != "" { out.append("") }
            out.append(bold("Not checked, or checked in part:"))
            out += notes.map { "  - \(Self.oneLine($0))" }
        }
        if out.last != "" { out.append("") }
        out.append(FindingsSummary(findings).sentence)
        return out.joined(separator: "\n") + "\n"
    }

    func lines(for finding: Finding) -> [String] {
        var out = ["  \(marker(finding.severity)) \(finding.id)  \(Self.oneLine(finding.object))",
                   "    \(Self.oneLine(finding.title))"]
        let short = finding.evidence.filter { $0.value.count <= 60 }
        let long = finding.evidence.filter { $0.value.count > 60 }
        if !short.isEmpty {
            out += wrap(short.map { "\($0.name) \(Self.oneLine($0.value))" }, indent: "    ", first: "evidence: ")
        }
        for item in long { out.append("    \(item.name): \(Self.oneLine(item.value))") }
        out.append("    why: \(Self.oneLine(finding.why))")
        if let fix = finding.fix {
            let fixLines = fix.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            out.append("    fix: \(fixLines[0])")
            out += fixLines.dropFirst().map { "         \($0)" }
        }
        out.append("")
        return out
    }

    /// Joins items with ` · `, wrapping before 110 columns.
    func wrap(_ items: [String], indent: String, first: String = "") -> [String] {
        var out: [String] = []
        var line = indent + first
        let continuation = indent + String(repeating: " ", count: first.count)
        for (i, item) in items.enumerated() {
            let piece = i == 0 ? item : " · " + item
            if line.count + piece.count > 110 && line.count > continuation.count {
                out.append(line)
                line = continuation + item
            } else {
                line += piece
            }
        }
        out.append(line)
        return out
    }

    func heading(_ severity: Severity, count: Int) -> String {
        let text = "\(severity.rawValue.uppercased()) (\(count))"
        guard usesColor else { return text }
        let code = switch severity {
        case .critical: "1;31"
        case .warning: "1;33"
        case .info: "1;36"
        }
        return "\u{1B}[\(code)m\(text)\u{1B}[0m"
    }

    func marker(_ severity: Severity) -> String {
        switch severity {
        case .critical: "✖"
        case .warning: "▲"
        case .info: "•"
        }
    }

    func bold(_ text: String) -> String { usesColor ? "\u{1B}[1m\(text)\u{1B}[0m" : text }

    /// Text from the database on one line, with control characters (terminal escapes) removed.
    static func oneLine(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.map { scalar -> Unicode.Scalar in
            scalar == "\n" || scalar == "\r" || scalar == "\t" ? " " : scalar
        }.filter { $0.value >= 0x20 && $0.value != 0x7F }))
    }
}

/// Counts by severity, and the sentence that ends every findings report.
public struct FindingsSummary: Sendable, Hashable {
    public var critical: Int
    public var warning: Int
    public var info: Int

    public init(_ findings: [Finding]) {
        critical = findings.count { $0.severity == .critical }
        warning = findings.count { $0.severity == .warning }
        info = findings.count { $0.severity == .info }
    }

    /// `2 critical, 5 warnings, 3 info`.
    public var sentence: String {
        "\(critical) critical, \(warning) warning\(warning == 1 ? "" : "s"), \(info) info"
    }

    /// True when a finding is at least as severe as `level` (`--fail-on`).
    public static func crosses(_ findings: [Finding], level: Severity) -> Bool {
        findings.contains { $0.severity >= level }
    }
}
