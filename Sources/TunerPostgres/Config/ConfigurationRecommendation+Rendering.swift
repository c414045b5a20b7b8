import Foundation
import TunerCore

/// Where an input came from when the user did not give it (`memory` → "cgroup v2 memory.max").
public typealias InputSources = [String: String]

extension ConfigurationRecommendation {
    /// The inputs as `(key, value)` pairs in a fixed order, values as written on the command line.
    public var inputPairs: [(key: String, value: String)] {
        var pairs: [(key: String, value: String)] = [("memory", inputs.memory.description)]
        if let cpus = inputs.cpus { pairs.append(("cpus", String(cpus))) }
        if let connections = inputs.connections { pairs.append(("connections", String(connections))) }
        pairs += [
            ("storage", inputs.storage.rawValue), ("db_type", inputs.databaseType.rawValue),
            ("pg_version", String(inputs.postgresVersion)), ("os", inputs.operatingSystem.rawValue),
            ("data_size", inputs.dataSize.rawValue),
        ]
        return pairs
    }

    /// A postgresql.conf snippet: the inputs and warnings as comments, then one `name = value  # reason` per line.
    public func postgresqlConf(sources: InputSources = [:]) -> String {
        render(comment: "#", sources: sources) { setting in "\(setting.name) = \(setting.value)" }
    }

    /// `ALTER SYSTEM SET name = 'value';` per setting, with the reasons as SQL comments.
    public func alterSystemSQL(sources: InputSources = [:]) -> String {
        render(comment: "--", sources: sources) { setting in
            "ALTER SYSTEM SET \(setting.name) = \(Self.sqlLiteral(setting.value));"
        } + "-- then: SELECT pg_reload_conf(); shared_buffers, max_connections, huge_pages and the other"
            + " postmaster settings take effect after a restart\n"
    }

    /// `{"inputs": {...}, "settings": {"shared_buffers": "4GB", ...}, "warnings": [...]}`, every setting a string.
    public func json(sources: InputSources = [:]) -> String {
        let settingMembers = settings.map { "\(JSONText.string($0.name)): \(JSONText.string($0.value))" }
        return """
            {
              "inputs": {\(JSONText.members(inputJSONMembers(sources: sources), indent: 4))},
              "settings": {\(JSONText.members(settingMembers, indent: 4))},
              "warnings": [\(JSONText.members(warnings.map(JSONText.string), indent: 4))]
            }

            """
    }

    /// The inputs as JSON members: counts as numbers, the rest as strings, detected inputs with their `_source`.
    func inputJSONMembers(sources: InputSources = [:]) -> [String] {
        let members = inputPairs.map { pair in
            let isNumber = ["cpus", "connections", "pg_version"].contains(pair.key)
            return "\(JSONText.string(pair.key)): \(isNumber ? pair.value : JSONText.string(pair.value))"
        }
        return members + sources.sorted { $0.key < $1.key }.map {
            "\(JSONText.string("\($0.key)_source")): \(JSONText.string($0.value))"
        }
    }

    private func render(comment: String, sources: InputSources, line: (RecommendedSetting) -> String) -> String {
        var out = "\(comment) tuner db config: pgtune's formulas (le0pard/pgtune) for\n"
        for (key, value) in inputPairs {
            let source = sources[key].map { " (detected: \($0))" } ?? ""
            out += "\(comment)   \(key): \(value)\(source)\n"
        }
        if !warnings.isEmpty {
            out += "\(comment)\n\(comment) WARNING\n"
            for warning in warnings { out += "\(comment)   \(warning)\n" }
        }
        out += "\n"
        let lines = settings.map(line)
        let width = min(lines.map(\.count).max() ?? 0, 56)
        for (text, setting) in zip(lines, settings) {
            out += text.padding(toLength: max(width, text.count), withPad: " ", startingAt: 0)
                + "  \(comment) \(setting.reason)\n"
        }
        for note in notes { out += "\n\(comment) note: \(note)\n" }
        return out
    }

    package static func sqlLiteral(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "''") + "'"
    }
}

/// The little JSON writing tuner needs, keeping keys in the order given.
enum JSONText {
    static func string(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case let c where c.value < 0x20: out += String(format: "\\u%04x", c.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// Members one per line at `indent`, closing on a line indented two less; empty stays `{}`/`[]`.
    static func members(_ members: [String], indent: Int) -> String {
        guard !members.isEmpty else { return "" }
        let pad = String(repeating: " ", count: indent)
        return "\n" + members.map { pad + $0 }.joined(separator: ",\n") + "\n" + String(repeating: " ", count: indent - 2)
    }
}
