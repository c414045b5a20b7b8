import Foundation
import TunerCore

/// The server's settings as `pg_settings` shows them to this role, with unit-aware accessors.
///
/// Settings a role may not read (superuser-only ones without `pg_read_all_settings`) are absent,
/// so every accessor returns an optional and checks say "unknown" instead of guessing.
public struct ServerSettings: Sendable {
    /// One row of `pg_settings`.
    public struct Setting: Sendable, Hashable, Decodable {
        public var name: String
        /// The value in the setting's own unit (`16384` for shared_buffers with unit `8kB`).
        public var value: String
        public var unit: String?
        /// Where the value came from: `default`, `configuration file`, `override`, …
        public var source: String?
        /// `postmaster` when a change needs a restart, `sighup` when a reload is enough.
        public var context: String?

        public init(name: String, value: String, unit: String? = nil, source: String? = nil, context: String? = nil) {
            self.name = name
            self.value = value
            self.unit = unit
            self.source = source
            self.context = context
        }

        /// The value in bytes for memory settings (`unit` `8kB`, `kB`, `MB`, `B`); `nil` for -1 or non-memory.
        public var bytes: Int64? {
            guard let number = Int64(value), number >= 0 else { return nil }
            guard let unit else { return nil }
            let multipliers: [String: Int64] = ["B": 1, "kB": 1024, "8kB": 8192, "16kB": 16384, "MB": 1 << 20,
                                                "GB": 1 << 30, "16MB": 16 << 20, "32kB": 32768, "64kB": 65536]
            guard let factor = multipliers[unit] else { return nil }
            return number * factor
        }

        /// The value in seconds for time settings (`unit` `ms`, `s`, `min`); `nil` for -1 or non-time.
        public var seconds: Double? {
            guard let number = Double(value), number >= 0, let unit else { return nil }
            switch unit {
            case "us": return number / 1_000_000
            case "ms": return number / 1000
            case "s": return number
            case "min": return number * 60
            case "h": return number * 3600
            case "d": return number * 86_400
            default: return nil
            }
        }

        public var number: Double? { Double(value) }
        public var isOn: Bool { value == "on" || value == "true" }

        /// Needs a server restart to change (as opposed to a reload).
        public var needsRestart: Bool { context == "postmaster" }

        /// The value as a user writes it in postgresql.conf: `128MB`, `4min`, `on`, `0.9`.
        public var display: String {
            if value == "-1" || value == "0" { return value }
            if let bytes { return ByteSize(bytes: bytes).description }
            if let unit, let number = Double(value), number >= 0, !["ms", "s", "min"].contains(unit) {
                return "\(value) \(unit)"
            }
            if let unit, Double(value) != nil { return "\(value)\(unit)" }
            return value
        }
    }

    private var byName: [String: Setting]

    public init(_ settings: [Setting]) {
        byName = Dictionary(settings.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    public subscript(_ name: String) -> Setting? { byName[name] }

    /// Reads every setting this role can see.
    static func load(from session: DatabaseSession) async throws(DatabaseError) -> ServerSettings {
        ServerSettings(try await session.decoded(
            Setting.self, "SELECT name, setting AS value, unit, source, context FROM pg_settings WHERE setting IS NOT NULL"))
    }
}
