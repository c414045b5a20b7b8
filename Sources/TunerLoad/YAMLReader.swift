import TunerCore
import Yams

/// Reads typed values out of a composed YAML tree, with errors that point at the line.
package struct YAMLReader {
    package let file: String
    /// The scenario file's directory: files it names (`ca:`, `data:`) are read relative to it.
    package var directory: String? = nil

    package init(file: String, directory: String? = nil) {
        self.file = file
        self.directory = directory
    }

    package func error(_ node: Node?, _ message: String) -> LoadError {
        guard let line = node?.mark?.line else { return LoadError("\(file): \(message)") }
        return LoadError("\(file):\(line): \(message)")
    }

    /// Yams' syntax errors, as one line: `file:3: mapping values are not allowed in this context`.
    package func syntaxError(_ error: YamlError) -> LoadError {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _),
             .composer(_, let problem, let mark, _):
            return LoadError("\(file):\(mark.line): invalid YAML: \(problem) (column \(mark.column))")
        case .duplicatedKeysInMapping(let duplicates, let context):
            return LoadError("\(file):\(context.mark.line): duplicate key \(duplicates.joined(separator: ", "))")
        default:
            return LoadError("\(file): invalid YAML: \(error.description.split(separator: "\n").first ?? "")")
        }
    }

    /// Canonical key form: `warm-up`, `warmUp` and `warm_up` are all `warm_up`.
    package static func canonical(_ key: String) -> String {
        var out = ""
        for character in key {
            if character == "-" || character == "_" {
                out += "_"
            } else if character.isUppercase {
                out += "_" + character.lowercased()
            } else {
                out.append(character)
            }
        }
        return out
    }

    /// A mapping's values by canonical key; unknown keys are an error that lists the accepted ones.
    package func mapping(_ node: Node, in place: String, allowed: [String]) throws(LoadError) -> [String: Node] {
        var values: [String: Node] = [:]
        for (key, keyNode, value) in try entries(node, in: place) {
            let canonicalKey = Self.canonical(key)
            guard allowed.contains(canonicalKey) else {
                throw error(keyNode, "unknown key '\(key)' in \(place); accepted: \(allowed.joined(separator: ", "))")
            }
            guard values[canonicalKey] == nil else { throw error(keyNode, "'\(key)' is given twice in \(place)") }
            values[canonicalKey] = value
        }
        return values
    }

    /// A mapping's entries in file order, keys as strings.
    package func entries(_ node: Node, in place: String) throws(LoadError) -> [(String, Node, Node)] {
        guard let mapping = node.mapping else { throw error(node, "\(place) must be a mapping (key: value)") }
        var entries: [(String, Node, Node)] = []
        for (key, value) in mapping {
            guard let name = key.scalar?.string else { throw error(key, "keys in \(place) must be plain names") }
            entries.append((name, key, value))
        }
        return entries
    }

    package func sequence(_ node: Node, in place: String) throws(LoadError) -> [Node] {
        guard let sequence = node.sequence else { throw error(node, "'\(place)' must be a list (- item)") }
        return Array(sequence)
    }

    package func string(_ node: Node) throws(LoadError) -> String {
        guard let scalar = node.scalar else { throw error(node, "expected a single value, found a list or mapping") }
        return scalar.string
    }

    package func number(_ node: Node) throws(LoadError) -> Double {
        let text = try string(node)
        guard let value = Double(text.filter { $0 != "_" }), value.isFinite else {
            throw error(node, "'\(text)' is not a number")
        }
        return value
    }

    package func integer(_ node: Node) throws(LoadError) -> Int {
        let text = try string(node)
        guard let value = Int(text.filter { $0 != "_" }) else { throw error(node, "'\(text)' is not a whole number") }
        return value
    }

    package func bool(_ node: Node) throws(LoadError) -> Bool {
        let text = try string(node)
        switch text.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: throw error(node, "'\(text)' is not true or false")
        }
    }

    package func duration(_ node: Node) throws(LoadError) -> Duration {
        let text = try string(node)
        do {
            return try Duration(parsing: text)
        } catch {
            throw self.error(node, error.description)
        }
    }
}
