import Foundation
import TunerCore

/// The limits the doctor's checks judge by, each a named constant with a default that a user may override
/// (`tuner db check --threshold idle-in-transaction=5m`).
///
/// Values are stored in one unit per kind: seconds for durations, bytes for sizes, a fraction for ratios
/// (`0.2`, written `20%` or `0.2`), and plain numbers for counts.
public struct DoctorThresholds: Sendable, Hashable {
    /// One threshold: its name on the command line, its kind, its default, and what it decides.
    public struct Definition: Sendable, Hashable {
        public let name: String
        public let kind: Kind
        public let defaultValue: Double
        public let summary: String

        public enum Kind: String, Sendable, Hashable {
            case duration, size, ratio, count
        }

        /// The default as a user writes it (`30s`, `1MB`, `20%`, `1000`).
        public var defaultText: String { kind.format(defaultValue) }
    }

    private var overrides: [String: Double] = [:]

    public init() {}

    /// The value in force for `definition`: the override, else the default.
    public subscript(_ definition: Definition) -> Double { overrides[definition.name] ?? definition.defaultValue }

    /// Overrides a threshold by name; the value is read according to its kind.
    public mutating func set(_ name: String, to text: String) throws(ParseError) {
        guard let definition = Self.all.first(where: { $0.name == name }) else {
            throw ParseError("unknown threshold '\(name)'; see 'tuner db check --help' for the list")
        }
        overrides[name] = try definition.kind.parse(text, name: name)
    }

    /// Overrides from `name=value` (as given to `--threshold`).
    public mutating func set(assignment: String) throws(ParseError) {
        guard let equals = assignment.firstIndex(of: "=") else {
            throw ParseError("threshold '\(assignment)' is not name=value (e.g. idle-in-transaction=5m)")
        }
        let name = String(assignment[..<equals]).trimmingCharacters(in: .whitespaces)
        try set(name, to: String(assignment[assignment.index(after: equals)...]))
    }

    /// Overridden thresholds, by name, with the value as written back in the threshold's unit.
    public var overridden: [String: String] {
        var out: [String: String] = [:]
        for definition in Self.all where overrides[definition.name] != nil {
            out[definition.name] = definition.kind.format(self[definition])
        }
        return out
    }
}

extension DoctorThresholds.Definition.Kind {
    func parse(_ text: String, name: String) throws(ParseError) -> Double {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        switch self {
        case .duration:
            return try Duration(parsing: trimmed).seconds
        case .size:
            if trimmed == "0" { return 0 }
            return Double(try ByteSize(parsing: trimmed).bytes)
        case .ratio:
            guard let value = Percentage.parse(trimmed)?.fraction, value >= 0 else {
                throw ParseError("threshold \(name) wants a ratio such as 20% or 0.2, got '\(text)'")
            }
            return value
        case .count:
            guard let value = Double(trimmed), value >= 0 else {
                throw ParseError("threshold \(name) wants a number, got '\(text)'")
            }
            return value
        }
    }

    func format(_ value: Double) -> String {
        switch self {
        case .duration: Duration.seconds(value).shortDescription
        case .size: value == 0 ? "0" : ByteSize(bytes: Int64(value)).description
        case .ratio: "\(Finding.Evidence("", value * 100).value)%"
        case .count: Finding.Evidence("", value).value
        }
    }
}

// MARK: - The thresholds, in one place

extension DoctorThresholds {
    // Queries (pg_stat_statements)
    public static let slowQueryMean = Definition(
        name: "slow-query-mean", kind: .duration, defaultValue: 0.1,
        summary: "mean execution time from which a statement is reported as slow")
    public static let slowQueryMinCalls = Definition(
        name: "slow-query-min-calls", kind: .count, defaultValue: 2,
        summary: "calls a statement needs before its mean time is judged")
    public static let topQueryShare = Definition(
        name: "top-query-share", kind: .ratio, defaultValue: 0.2,
        summary: "share of all statement time from which one statement is reported as dominant")
    public static let topQueries = Definition(
        name: "top-queries", kind: .count, defaultValue: 5,
        summary: "how many statements each query check reports at most")
    public static let tempSpillSize = Definition(
        name: "temp-spill-size", kind: .size, defaultValue: 8 * 1024 * 1024,
        summary: "temporary-file bytes written by a statement from which it is reported as spilling")
    public static let statsMinimumAge = Definition(
        name: "stats-min-age", kind: .duration, defaultValue: 86_400,
        summary: "statistics younger than this make usage-based findings (unused index, seq scans) informational")

    // Indexes
    public static let unusedIndexWarningSize = Definition(
        name: "unused-index-warning-size", kind: .size, defaultValue: 1024 * 1024,
        summary: "unused indexes at least this large are warnings; smaller ones are informational")
    public static let seqScanShare = Definition(
        name: "seq-scan-share", kind: .ratio, defaultValue: 0.5,
        summary: "share of a table's scans that are sequential from which it is reported")
    public static let seqScanMinRows = Definition(
        name: "seq-scan-min-rows", kind: .count, defaultValue: 10_000,
        summary: "rows a table (and an average sequential scan of it) must have for the seq-scan check")
    public static let indexBloatRatio = Definition(
        name: "index-bloat-ratio", kind: .ratio, defaultValue: 0.5,
        summary: "estimated share of a B-tree index that is bloat from which it is reported")
    public static let indexBloatMinSize = Definition(
        name: "index-bloat-min-size", kind: .size, defaultValue: 10 * 1024 * 1024,
        summary: "estimated bloat bytes an index must have to be reported")

    // Tables
    public static let tableBloatRatio = Definition(
        name: "table-bloat-ratio", kind: .ratio, defaultValue: 0.5,
        summary: "estimated share of a table that is bloat from which it is reported")
    public static let tableBloatMinSize = Definition(
        name: "table-bloat-min-size", kind: .size, defaultValue: 64 * 1024 * 1024,
        summary: "estimated bloat bytes a table must have to be reported")
    public static let deadTuplesMinimum = Definition(
        name: "dead-tuples-min", kind: .count, defaultValue: 1000,
        summary: "dead rows a table must have before the dead-tuple check looks at it")
    public static let autovacuumLagFactor = Definition(
        name: "autovacuum-lag-factor", kind: .count, defaultValue: 2,
        summary: "how many times past its autovacuum/autoanalyze trigger point a table must be to be reported")
    public static let neverAnalyzedMinRows = Definition(
        name: "never-analyzed-min-rows", kind: .count, defaultValue: 1000,
        summary: "rows a never-analyzed table must have to be reported")
    public static let wraparoundWarning = Definition(
        name: "wraparound-warning", kind: .ratio, defaultValue: 0.5,
        summary: "share of the ~2.1 billion transaction-ID (or multixact) horizon used that makes a warning")
    public static let wraparoundCritical = Definition(
        name: "wraparound-critical", kind: .ratio, defaultValue: 0.75,
        summary: "share of the transaction-ID (or multixact) horizon used that makes it critical")
    public static let sequenceUsedWarning = Definition(
        name: "sequence-used-warning", kind: .ratio, defaultValue: 0.75,
        summary: "share of a sequence's (or its column type's) range used that makes a warning")
    public static let sequenceUsedCritical = Definition(
        name: "sequence-used-critical", kind: .ratio, defaultValue: 0.9,
        summary: "share of a sequence's range used that makes it critical")

    // Activity
    public static let connectionsWarning = Definition(
        name: "connections-warning", kind: .ratio, defaultValue: 0.8,
        summary: "share of usable connections (max_connections minus reserved) in use that makes a warning")
    public static let connectionsCritical = Definition(
        name: "connections-critical", kind: .ratio, defaultValue: 0.95,
        summary: "share of usable connections in use that makes it critical")
    public static let idleInTransaction = Definition(
        name: "idle-in-transaction", kind: .duration, defaultValue: 30,
        summary: "how long a session may sit idle inside a transaction before it is reported")
    public static let longRunningQuery = Definition(
        name: "long-running-query", kind: .duration, defaultValue: 60,
        summary: "how long a statement may run before it is reported")
    public static let blockedQuery = Definition(
        name: "blocked-query", kind: .duration, defaultValue: 5,
        summary: "how long a statement may wait for a lock before it is reported")
    public static let preparedTransactionAge = Definition(
        name: "prepared-transaction-age", kind: .duration, defaultValue: 300,
        summary: "how long a prepared (two-phase) transaction may stay open before it is reported")
    public static let shortSession = Definition(
        name: "short-session", kind: .duration, defaultValue: 2,
        summary: "average session length below which connections look opened per request (no pooler)")
    public static let shortSessionMinCount = Definition(
        name: "short-session-min-count", kind: .count, defaultValue: 1000,
        summary: "sessions since the statistics reset needed before session length is judged")

    // Memory and cache
    public static let cacheHitRatio = Definition(
        name: "cache-hit-ratio", kind: .ratio, defaultValue: 0.95,
        summary: "heap or index cache hit ratio below which it is reported")
    public static let cacheMinBlocks = Definition(
        name: "cache-min-blocks", kind: .count, defaultValue: 10_000,
        summary: "block accesses needed before a cache hit ratio is judged")
    public static let memoryModelRatio = Definition(
        name: "memory-model-ratio", kind: .ratio, defaultValue: 1,
        summary: "shared_buffers + connections × work_mem + maintenance, as a share of machine memory, that is reported")
    public static let checkpointsRequestedShare = Definition(
        name: "checkpoints-requested-share", kind: .ratio, defaultValue: 0.2,
        summary: "share of checkpoints forced by WAL volume (not by timeout) from which max_wal_size is reported")
    public static let checkpointsMinCount = Definition(
        name: "checkpoints-min-count", kind: .count, defaultValue: 10,
        summary: "checkpoints needed before their causes are judged")

    // Configuration
    public static let maxConnectionsHigh = Definition(
        name: "max-connections-high", kind: .count, defaultValue: 500,
        summary: "max_connections from which a pooler is recommended instead")

    /// Every threshold, in the order `--help` and docs/doctor.md list them.
    public static let all: [Definition] = [
        slowQueryMean, slowQueryMinCalls, topQueryShare, topQueries, tempSpillSize, statsMinimumAge,
        unusedIndexWarningSize, seqScanShare, seqScanMinRows, indexBloatRatio, indexBloatMinSize,
        tableBloatRatio, tableBloatMinSize, deadTuplesMinimum, autovacuumLagFactor, neverAnalyzedMinRows,
        wraparoundWarning, wraparoundCritical, sequenceUsedWarning, sequenceUsedCritical,
        connectionsWarning, connectionsCritical, idleInTransaction, longRunningQuery, blockedQuery,
        preparedTransactionAge, shortSession, shortSessionMinCount,
        cacheHitRatio, cacheMinBlocks, memoryModelRatio, checkpointsRequestedShare, checkpointsMinCount,
        maxConnectionsHigh,
    ]

    /// The list as `--help` shows it: `name=default:` then the summary, indented and wrapped before 80 columns
    /// (the argument parser would wrap long lines without the indentation).
    public static var helpText: String {
        all.map { definition in
            var lines = ["  \(definition.name)=\(definition.defaultText):"]
            var line = "     "
            for word in definition.summary.split(separator: " ") {
                if line.count + word.count + 1 > 78 {
                    lines.append(line)
                    line = "     "
                }
                line += " " + word
            }
            lines.append(line)
            return lines.joined(separator: "\n")
        }.joined(separator: "\n")
    }
}
