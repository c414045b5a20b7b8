import TunerCore

/// One setting whose live value differs from the recommendation.
public struct SettingDifference: Sendable, Equatable {
    public let name: String
    /// The live value as `SHOW` prints it (`128MB`, `4`, `on`).
    public let live: String
    public let recommended: String
    /// pg_settings' unit of the raw value (`8kB`, `kB`, `ms`), when readable.
    public let unit: String?
    /// pg_settings' source (`default`, `configuration file`, `command line`, …), when readable.
    public let source: String?
    /// True when the setting only changes at a server restart (context `postmaster`).
    public let needsRestart: Bool
    public let reason: String

    /// A change ALTER SYSTEM cannot make win: a command-line or environment setting outranks postgresql.auto.conf.
    public var isOverriddenAtStart: Bool { source == "command line" || source == "environment variable" }
}

/// The recommendation compared with a live server's settings: what differs, and what could not be compared.
public struct LiveSettingsDiff: Sendable {
    /// `server_version`, e.g. `15.8 (Debian 15.8-0+deb12u1)`.
    public let serverVersion: String
    public let serverMajorVersion: Int
    /// Only the settings whose values differ, in the recommendation's order.
    public let differences: [SettingDifference]
    /// Settings already at the recommended value.
    public let matching: [String]
    /// Settings this role may not read (superuser-only settings, or a pg_settings the role cannot select).
    public let notReadable: [String]
    /// Settings this server does not know (e.g. io_method before PostgreSQL 18).
    public let notSupported: [String]
    /// False when pg_settings itself could not be read: units, sources and restart needs are then guesses.
    public let pgSettingsReadable: Bool

    /// Compares with the server behind `session` (read-only queries).
    public static func compare(_ recommendation: ConfigurationRecommendation, in session: DatabaseSession)
        async throws(DatabaseError) -> LiveSettingsDiff
    {
        let version = try await session.scalar("SELECT current_setting('server_version') AS v")?.string ?? "?"
        let major = try await session.serverMajorVersion()
        let reader = LiveSettingsReader(session: session)
        let live = try await reader.read(recommendation.settings.map(\.name))
        var differences: [SettingDifference] = []
        var matching: [String] = []
        var notReadable: [String] = []
        var notSupported: [String] = []
        for setting in recommendation.settings {
            switch live.values[setting.name] {
            case .none, .unknown?: notSupported.append(setting.name)
            case .notReadable?: notReadable.append(setting.name)
            case .value(let value)?:
                if SettingValue.equal(value.shown, setting.value) {
                    matching.append(setting.name)
                } else {
                    let restart = value.context.map { $0 == "postmaster" }
                        ?? LiveSettingsReader.restartSettings(major: major).contains(setting.name)
                    differences.append(SettingDifference(
                        name: setting.name, live: value.shown, recommended: setting.value, unit: value.unit,
                        source: value.source, needsRestart: restart, reason: setting.reason))
                }
            }
        }
        return LiveSettingsDiff(serverVersion: version, serverMajorVersion: major, differences: differences,
                                matching: matching, notReadable: notReadable, notSupported: notSupported,
                                pgSettingsReadable: live.pgSettingsReadable)
    }

    /// Opens a read-only session, compares, closes.
    public static func compare(_ recommendation: ConfigurationRecommendation, at settings: ConnectionSettings)
        async throws -> LiveSettingsDiff
    {
        try await DatabaseSession.withSession(settings) { session in
            try await compare(recommendation, in: session)
        }
    }
}

/// Compares setting values the way PostgreSQL means them: sizes by bytes, numbers numerically,
/// booleans by truth, everything else case-insensitively.
enum SettingValue {
    static func equal(_ live: String, _ recommended: String) -> Bool {
        let a = live.trimmingWhitespaceAndQuotes(), b = recommended.trimmingWhitespaceAndQuotes()
        if a.lowercased() == b.lowercased() { return true }
        if let x = Double(a), let y = Double(b) { return abs(x - y) <= 1e-9 * max(abs(x), abs(y), 1) }
        if let x = boolean(a), let y = boolean(b) { return x == y }
        if hasUnit(a), hasUnit(b), let x = try? ByteSize(parsing: a), let y = try? ByteSize(parsing: b) {
            return x == y
        }
        return false
    }

    private static func hasUnit(_ text: String) -> Bool { text.last?.isLetter == true }

    private static func boolean(_ text: String) -> Bool? {
        switch text.lowercased() {
        case "on", "true", "yes", "1": true
        case "off", "false", "no", "0": false
        default: nil
        }
    }
}

extension String {
    func trimmingWhitespaceAndQuotes() -> String {
        var view = Substring(self)
        while let c = view.first, c.isWhitespace || c == "'" { view = view.dropFirst() }
        while let c = view.last, c.isWhitespace || c == "'" { view = view.dropLast() }
        return String(view)
    }
}
