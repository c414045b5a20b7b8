import Foundation
import TunerCore

/// The changes a tune tries, in the order it tries them, from the baseline's findings and the tune file: the indexes
/// the advisor asked for (the largest saving first), the database settings a finding asked for (work_mem for queries
/// spilling to disk), then the service's knobs. What Tuner cannot change itself (code: an N+1, a cache, pagination)
/// becomes the user's next steps, each with its evidence.
public struct TunePlan: Sendable {
    public enum Change: Sendable, Equatable {
        /// `create` is the advisor's `CREATE INDEX CONCURRENTLY …`; `drop` undoes it.
        case index(name: String, create: String, drop: String)
        /// A server setting written with `ALTER SYSTEM` and a reload.
        case setting(name: String, value: String)
        /// The service's setting (an environment variable), each value measured by a sweep.
        case knob(TuneFile.Knob)

        public var kind: TuneRecord.Step.Kind {
            switch self {
            case .index: .index
            case .setting: .setting
            case .knob: .knob
            }
        }
    }

    public struct Item: Sendable {
        public var change: Change
        /// `index orders_customer_id_idx on orders (customer_id)`, `work_mem = 64MB`, `DB_MAX_OPEN_CONNS ∈ {…}`.
        public var title: String
        /// The evidence that asked for it.
        public var why: String
        /// Why the tune file does not let Tuner make it (`apply:` lacks indexes or settings, the knob needs a
        /// command); `nil` when it may.
        public var blocked: String?
    }

    public var items: [Item]
    /// What Tuner cannot change: `title — fix`, most severe first.
    public var nextSteps: [String]

    public init(findings: [Finding], file: TuneFile) {
        var items: [Item] = []
        var addressed = Set<String>()
        let indexes = findings.filter { $0.id == "missing-index" }
            .sorted { Self.savedPerHour($0) > Self.savedPerHour($1) }
        for finding in indexes {
            guard let create = finding.fix, let name = Self.indexName(in: create) else { continue }
            items.append(Item(
                change: .index(name: name, create: create, drop: Self.dropStatement(create: create, name: name)),
                title: "index \(name) on \(finding.object)", why: finding.title + ": " + finding.why,
                blocked: file.apply.contains(.indexes) ? nil : "apply: does not list indexes"))
            addressed.insert(finding.id + "|" + finding.object)
        }
        // Queries spilling to disk: the doctor's per-statement size (twice the spill) when it has one, else the run's.
        let spills = findings.filter { $0.id == "query-temp-spill" || $0.id == "temp-files-during-load" }
        let suggested = spills.compactMap { Self.suggestedWorkMem(in: $0.fix) }.max { Self.megabytes($0) < Self.megabytes($1) }
        if let first = spills.first, let value = suggested ?? spills.first(where: { $0.id == "temp-files-during-load" }).map(Self.workMem) {
            items.append(Item(
                change: .setting(name: "work_mem", value: value), title: "work_mem = \(value)",
                why: first.title + ": " + first.why,
                blocked: file.apply.contains(.settings) ? nil : "apply: does not list settings"))
            addressed.formUnion(spills.map { $0.id + "|" + $0.object })
            // The slow statements that spill are the setting's to settle first.
            addressed.formUnion(findings.filter { $0.id == "slow-query" && spills.map(\.object).contains($0.object) }
                .map { $0.id + "|" + $0.object })
        }
        // A table the plan indexes: its sequential scans and the statements that read it by the indexed column.
        let indexedTables = indexes.compactMap { IndexedColumns($0.object)?.table.lowercased() }
        for finding in findings where ["seq-scan-during-load", "top-query", "top-query-total"].contains(finding.id) {
            let text = (finding.object + " " + finding.title).lowercased()
            if indexedTables.contains(where: { text.contains($0) }) && !Self.isSpilling(finding, spills) {
                addressed.insert(finding.id + "|" + finding.object)
            }
        }
        for knob in file.knobs {
            items.append(Item(
                change: .knob(knob), title: "\(knob.name) ∈ {\(knob.values.joined(separator: ", "))}",
                why: "a knob of the tune file" + (file.service.env[knob.name].map { " (today \($0))" } ?? ""),
                blocked: nil))
        }
        // A pool finding is the knob's to settle when the file has one for the pool.
        let poolKnob = file.knobs.contains { $0.name.uppercased().contains("POOL") || $0.name.uppercased().contains("CONN") }
        if poolKnob { addressed.formUnion(findings.filter { $0.id == "pool-saturation" }.map { $0.id + "|" + $0.object }) }
        self.items = items
        nextSteps = findings
            .filter { ($0.severity >= .warning || $0.source == "profile") && !addressed.contains($0.id + "|" + $0.object)
                && !Self.isIndexAdvice($0) }
            .sorted { $0.severity > $1.severity }
            .map { finding in finding.title + (finding.fix.map { " — " + $0.replacingOccurrences(of: "\n", with: " ") } ?? "") }
    }

    /// Index findings other than the advisor's (the doctor's unnamed ones, unused and redundant indexes) are not the
    /// tune's: they are for `tuner db advise` and `tuner db check`.
    static func isIndexAdvice(_ finding: Finding) -> Bool {
        finding.id.hasSuffix("-index")
    }

    static func savedPerHour(_ finding: Finding) -> Double {
        finding.evidence.first { $0.name == "database time saved per hour" }?.number ?? 0
    }

    /// The index's name in `CREATE INDEX CONCURRENTLY name ON …` (quoted or not); `nil` when the statement names none.
    static func indexName(in statement: String) -> String? {
        let pattern = #"^\s*CREATE\s+(UNIQUE\s+)?INDEX\s+CONCURRENTLY\s+(IF\s+NOT\s+EXISTS\s+)?("(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)\s+ON\s"#
        guard let regex = try? NSRegularExpression(pattern: pattern, options: [.caseInsensitive]),
              let match = regex.firstMatch(in: statement, range: NSRange(statement.startIndex..., in: statement)),
              let range = Range(match.range(at: 3), in: statement)
        else { return nil }
        return String(statement[range])
    }

    /// `DROP INDEX CONCURRENTLY IF EXISTS schema.name`, in the schema of the table the statement names (an index
    /// lives in its table's schema).
    static func dropStatement(create: String, name: String) -> String {
        var schema: String?
        if let on = create.range(of: " ON ", options: .caseInsensitive) {
            let target = create[on.upperBound...].trimmingCharacters(in: .whitespaces)
            let table = target.prefix { !$0.isWhitespace && $0 != "(" }
            if let dot = Self.unquotedDot(in: String(table)) { schema = String(table[..<dot]) }
        }
        return "DROP INDEX CONCURRENTLY IF EXISTS " + (schema.map { $0 + "." } ?? "") + name
    }

    /// The first `.` outside double quotes.
    static func unquotedDot(in text: String) -> String.Index? {
        var quoted = false
        for index in text.indices {
            if text[index] == "\"" { quoted.toggle() } else if text[index] == ".", !quoted { return index }
        }
        return nil
    }

    /// `64MB` in a fix such as `SET work_mem = '64MB';`.
    static func suggestedWorkMem(in fix: String?) -> String? {
        guard let fix, let regex = try? NSRegularExpression(pattern: #"SET work_mem = '([0-9]+(?:kB|MB|GB))'"#),
              let match = regex.firstMatch(in: fix, range: NSRange(fix.startIndex..., in: fix)),
              let range = Range(match.range(at: 1), in: fix)
        else { return nil }
        return String(fix[range])
    }

    /// A size in MB (`512kB` is 0.5).
    static func megabytes(_ size: String) -> Double {
        let number = Double(size.prefix { $0.isNumber }) ?? 0
        if size.hasSuffix("GB") { return number * 1024 }
        if size.hasSuffix("kB") { return number / 1024 }
        return number
    }

    /// True when a statement finding is about a statement that spills (the setting's, not the index's).
    static func isSpilling(_ finding: Finding, _ spills: [Finding]) -> Bool {
        spills.contains { $0.object.hasPrefix("query ") && finding.object.hasSuffix($0.object.dropFirst("query ".count)) }
    }

    /// work_mem for sorts that spilled: three times the mean spill (a sort in memory takes more room than on disk),
    /// rounded up to a power of two in MB, at least 16MB and at most 1GB.
    static func workMem(forSpill finding: Finding) -> String {
        let files = finding.evidence.first { $0.name == "temp files" }?.number ?? 0
        let bytes = finding.evidence.first { $0.name == "temp bytes" }?.number ?? 0
        let meanMB = files > 0 ? bytes / files / 1_048_576 : 0
        var megabytes = 16.0
        while megabytes < meanMB * 3 && megabytes < 1024 { megabytes *= 2 }
        return "\(Int(megabytes))MB"
    }
}
