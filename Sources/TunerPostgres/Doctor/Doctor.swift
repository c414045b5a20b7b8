import Foundation
import TunerCore

/// The database doctor: runs every check over one read-only session and gathers the findings.
///
/// A check that fails (a missing privilege, a timeout, a view this server version lacks) is reported
/// in `DoctorReport.skipped` with the reason; the other checks still run.
public enum Doctor {
    /// Examines the database behind `session` and returns what it found.
    ///
    /// - Parameters:
    ///   - environment: what is known about the server's machine (memory, whether it is local).
    ///   - progress: called with a short line before each check family, for a progress display.
    public static func run(
        session: DatabaseSession, thresholds: DoctorThresholds = DoctorThresholds(),
        environment: DoctorEnvironment = DoctorEnvironment(),
        progress: (@Sendable (String) -> Void)? = nil
    ) async -> DoctorReport {
        let clock = ContinuousClock()
        let began = clock.now
        var report = DoctorReport(
            database: session.settings.redactedURL, serverVersion: "unknown", checkedAt: Date(),
            thresholds: thresholds.overridden)
        let context: DoctorContext
        do {
            context = try await DoctorContext.load(session: session, thresholds: thresholds, environment: environment)
        } catch {
            let reason = "cannot read the server's settings: \(Self.message(of: error))"
            report.skipped = checks.map { SkippedCheck(check: $0.name, reason: reason) }
            report.seconds = (clock.now - began).seconds
            return report
        }
        report.serverVersion = context.settings["server_version"].map { "PostgreSQL \($0.value)" } ?? "unknown"
        report.overview.append(Measure.text("server", report.serverVersion))
        report.overview.append(Measure.text("database", context.database))
        report.overview.append(Measure.text("role", context.user + Self.privilegeNote(context.privileges)))
        if let age = context.statisticsAgeSeconds { report.overview.append(Measure.seconds("statistics age", age)) }

        var family: DoctorCheck.Family?
        for check in checks {
            if check.family != family {
                family = check.family
                progress?("checking \(check.family.rawValue)…")
            }
            let started = clock.now
            defer { report.timings[check.name] = ((clock.now - started).seconds * 10_000).rounded() / 10 }
            do {
                let outcome = try await check.run(context)
                if let skipped = outcome.skipped {
                    report.skipped.append(SkippedCheck(check: check.name, reason: skipped))
                    continue
                }
                report.findings += outcome.findings
                report.overview += outcome.overview
                report.checksRun.append(check.name)
                if let limitation = outcome.limitation {
                    report.skipped.append(SkippedCheck(check: check.name, reason: limitation, isPartial: true))
                }
            } catch {
                report.skipped.append(SkippedCheck(check: check.name, reason: reason(for: error, context: context)))
            }
        }
        report.findings = Self.ordered(report.findings)
        report.seconds = (clock.now - began).seconds
        return report
    }

    /// Every check, grouped by family in the order the report reads best.
    static let checks: [DoctorCheck] = {
        let all = QueryChecks.all + IndexChecks.all + IndexRedundancyChecks.all + BloatChecks.all + TableChecks.all
            + SequenceChecks.all + ActivityChecks.all + MemoryChecks.all + ConfigurationChecks.all
        let order = DoctorCheck.Family.allCases
        return all.enumerated().sorted { a, b in
            let (x, y) = (order.firstIndex(of: a.element.family)!, order.firstIndex(of: b.element.family)!)
            return x != y ? x < y : a.offset < b.offset
        }.map(\.element)
    }()

    /// The names of every check, for `--help` and the documentation.
    public static var checkNames: [String] { checks.map(\.name) }

    /// Most severe first; within a severity the checks' own order (stable sort).
    static func ordered(_ findings: [Finding]) -> [Finding] {
        findings.enumerated().sorted { a, b in
            a.element.severity != b.element.severity ? a.element.severity > b.element.severity : a.offset < b.offset
        }.map(\.element)
    }

    private static func reason(for error: any Error, context: DoctorContext) -> String {
        guard let error = error as? DatabaseError else { return "\(error)" }
        let message = Self.message(of: error)
        if error.isPermissionDenied { return "\(message) — \(context.privileges.grantHint)" }
        if error.sqlState == "57014" { return "\(message) (statement_timeout; raise --statement-timeout)" }
        if error.sqlState == "55P03" { return "\(message) (lock_timeout: an object was locked)" }
        return message
    }

    /// The server's message without the statement's first line that `DatabaseError` puts in front.
    private static func message(of error: any Error) -> String {
        let text = "\(error)"
        guard text.hasPrefix("query failed ("), let end = text.range(of: "): ") else { return text }
        return String(text[end.upperBound...])
    }

    private static func privilegeNote(_ privileges: DoctorContext.Privileges) -> String {
        if privileges.isSuperuser { return " (superuser)" }
        if privileges.readsAllStats && privileges.readsAllSettings { return " (pg_monitor)" }
        return " (without pg_monitor: some checks see only this role's sessions and objects)"
    }
}

/// One named check: the SQL it runs and the findings it derives.
struct DoctorCheck: Sendable {
    enum Family: String, Sendable, CaseIterable {
        case queries, indexes, tables, activity, memory, configuration
    }

    let name: String
    let family: Family
    let run: @Sendable (DoctorContext) async throws -> CheckOutcome
}

/// What one check produced.
struct CheckOutcome: Sendable {
    var findings: [Finding] = []
    /// Facts for the report's overview.
    var overview: [Finding.Evidence] = []
    /// Set when the check could see only part of the data (the report lists it as partly skipped).
    var limitation: String?
    /// Set when the check could not run at all for a reason that is not an error (information missing).
    var skipped: String?

    init(findings: [Finding] = [], overview: [Finding.Evidence] = [], limitation: String? = nil) {
        self.findings = findings
        self.overview = overview
        self.limitation = limitation
    }

    static func skipped(_ reason: String) -> CheckOutcome {
        var outcome = CheckOutcome()
        outcome.skipped = reason
        return outcome
    }
}

