import Foundation

extension LiveSettingsDiff {
    /// A table of what differs, then what matched, was unreadable or unsupported.
    public func text(server: String) -> String {
        let compared = differences.count + matching.count
        var out = "live settings of \(server) (PostgreSQL \(serverVersion)):"
            + " \(differences.count) of \(compared) comparable recommended settings differ\n"
        if !differences.isEmpty {
            let header = ["setting", "live", "recommended", "unit", "source", "restart", "reason"]
            let rows = differences.map {
                [$0.name, $0.live, $0.recommended, $0.unit ?? (pgSettingsReadable ? "" : "?"), $0.source ?? "?",
                 $0.needsRestart ? "yes" : "no", $0.reason]
            }
            out += "\n" + Self.table([header] + rows)
        }
        for difference in differences where difference.isOverriddenAtStart {
            out += "note: \(difference.name) is set by the server's \(difference.source ?? "")"
                + ", which outranks ALTER SYSTEM; change it there\n"
        }
        if !matching.isEmpty { out += "\nalready as recommended: \(matching.joined(separator: ", "))\n" }
        if !notSupported.isEmpty {
            out += "not supported by PostgreSQL \(serverMajorVersion): \(notSupported.joined(separator: ", "))\n"
        }
        if !pgSettingsReadable {
            out += "pg_settings is not readable by this role: units, sources and restart needs are not known"
                + " (restart needs are PostgreSQL's documented ones)\n"
        }
        if !notReadable.isEmpty {
            out += "not readable by this role: \(notReadable.joined(separator: ", "))"
                + " — grant pg_read_all_settings (or pg_monitor) to compare them\n"
        }
        return out
    }

    /// Only the differing settings as `ALTER SYSTEM` statements, then the reload.
    public func alterSystemSQL() -> String {
        guard !differences.isEmpty else { return "-- nothing differs\n" }
        var out = ""
        for difference in differences {
            out += "ALTER SYSTEM SET \(difference.name) = \(ConfigurationRecommendation.sqlLiteral(difference.recommended));"
                + " -- was \(difference.live)\(difference.needsRestart ? ", needs a restart" : "")\n"
        }
        return out + "SELECT pg_reload_conf();\n"
    }

    /// The diff (and what `--apply` did) as JSON; every value a string as in postgresql.conf.
    public func json(server: String, recommendation: ConfigurationRecommendation,
                     applied: SettingsApplyResult? = nil, sources: InputSources = [:]) -> String {
        func list(_ names: [String]) -> String { "[" + names.map(JSONText.string).joined(separator: ", ") + "]" }
        let rows = differences.map { d in
            "{" + [
                "\"name\": \(JSONText.string(d.name))", "\"live\": \(JSONText.string(d.live))",
                "\"recommended\": \(JSONText.string(d.recommended))",
                "\"unit\": \(d.unit.map(JSONText.string) ?? "null")",
                "\"source\": \(d.source.map(JSONText.string) ?? "null")",
                "\"restart\": \(d.needsRestart)", "\"reason\": \(JSONText.string(d.reason))",
            ].joined(separator: ", ") + "}"
        }
        var members = [
            "\"server\": {\"url\": \(JSONText.string(server)), \"version\": \(JSONText.string(serverVersion))}",
            "\"inputs\": {\(JSONText.members(recommendation.inputJSONMembers(sources: sources), indent: 4))}",
            "\"differences\": [\(JSONText.members(rows, indent: 4))]",
            "\"matching\": \(list(matching))",
            "\"not_readable\": \(list(notReadable))",
            "\"not_supported\": \(list(notSupported))",
            "\"pg_settings_readable\": \(pgSettingsReadable)",
            "\"warnings\": \(list(recommendation.warnings))",
        ]
        if let applied {
            let failures = applied.failed.map {
                "{\"name\": \(JSONText.string($0.name)), \"error\": \(JSONText.string($0.message))}"
            }
            members.append("\"applied\": {\"in_effect\": \(list(applied.inEffect)), "
                + "\"waiting_for_restart\": \(list(applied.waitingForRestart)), "
                + "\"not_in_effect\": \(list(applied.notInEffect)), \"failed\": [\(failures.joined(separator: ", "))], "
                + "\"reload_error\": \(applied.reloadError.map(JSONText.string) ?? "null")}")
        }
        return "{\n" + members.map { "  " + $0 }.joined(separator: ",\n") + "\n}\n"
    }

    /// Columns padded to their widest cell (the last column is not padded).
    static func table(_ rows: [[String]]) -> String {
        guard let columns = rows.first?.count else { return "" }
        let widths = (0..<columns).map { c in rows.map { $0[c].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { c, cell in
                c == columns - 1 ? cell : cell.padding(toLength: widths[c], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n") + "\n"
    }
}

extension SettingsApplyResult {
    /// What happened, one line per outcome.
    public var text: String {
        var out = "applied with ALTER SYSTEM and pg_reload_conf():\n"
        if !inEffect.isEmpty { out += "  in effect now: \(inEffect.joined(separator: ", "))\n" }
        if !waitingForRestart.isEmpty {
            out += "  written, waiting for a server restart: \(waitingForRestart.joined(separator: ", "))\n"
        }
        if !notInEffect.isEmpty {
            out += "  written but not in effect after the reload (overridden elsewhere?): "
                + "\(notInEffect.joined(separator: ", "))\n"
        }
        for failure in failed { out += "  refused: \(failure.name): \(failure.message)\n" }
        if let reloadError {
            out += "  pg_reload_conf() failed (\(reloadError)); a superuser must reload for the written settings\n"
        }
        if inEffect.isEmpty && waitingForRestart.isEmpty && notInEffect.isEmpty && failed.isEmpty {
            out += "  nothing to change\n"
        }
        return out
    }
}
