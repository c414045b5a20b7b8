import Foundation
import TunerCore

/// What `tuner db check` found: the findings, the checks that could not run (and why), and the
/// overview facts a reader wants first (server, connections, cache hit ratios, statistics age).
public struct DoctorReport: Codable, Sendable {
    /// The database examined, as a URL without the password.
    public var database: String
    /// `PostgreSQL 15.8` as the server reports `server_version`.
    public var serverVersion: String
    public var checkedAt: Date
    /// Seconds the whole examination took.
    public var seconds: Double
    /// Facts that are not problems: the numbers a reader checks first.
    public var overview: [Finding.Evidence]
    /// Most severe first, then by check order.
    public var findings: [Finding]
    /// Checks that could not run, or ran on part of the data, with the reason.
    public var skipped: [SkippedCheck]
    /// Names of the checks that ran (fully or partly).
    public var checksRun: [String]
    /// Thresholds the user overrode, as written back in their units.
    public var thresholds: [String: String]
    /// Milliseconds each check took, for the benchmark and for the curious.
    public var timings: [String: Double]

    public init(database: String, serverVersion: String, checkedAt: Date, seconds: Double = 0,
                overview: [Finding.Evidence] = [], findings: [Finding] = [], skipped: [SkippedCheck] = [],
                checksRun: [String] = [], thresholds: [String: String] = [:], timings: [String: Double] = [:]) {
        self.database = database
        self.serverVersion = serverVersion
        self.checkedAt = checkedAt
        self.seconds = seconds
        self.overview = overview
        self.findings = findings
        self.skipped = skipped
        self.checksRun = checksRun
        self.thresholds = thresholds
        self.timings = timings
    }

    /// The findings with the given id.
    public func findings(withID id: String) -> [Finding] { findings.filter { $0.id == id } }

    /// The most severe finding's severity, `nil` when there is none.
    public var worstSeverity: Severity? { findings.map(\.severity).max() }

    /// One line per skipped check, as the text and Markdown reports print them.
    public var skippedNotes: [String] {
        skipped.map { "\($0.check)\($0.isPartial ? " (partly)" : ""): \($0.reason)" }
    }
}

/// A check that could not run, or saw only part of the data, and why (usually a missing privilege).
public struct SkippedCheck: Codable, Sendable, Hashable {
    public var check: String
    public var reason: String
    /// True when the check ran but could not see everything; its findings are still reported.
    public var isPartial: Bool

    public init(check: String, reason: String, isPartial: Bool = false) {
        self.check = check
        self.reason = reason
        self.isPartial = isPartial
    }
}
