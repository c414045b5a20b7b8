import Foundation
import TunerCore
import Yams

/// What `tuner alerts` reads from a scenario file: the target, the thresholds, and each request's
/// method and path (to find its route in the service's metrics). Everything else is ignored, so a
/// scenario the load engine accepts is always enough here.
public struct AlertScenario: Sendable {
    /// A name for the rule group (the file's base name).
    public var name: String
    public var target: String?
    public var thresholds: [Threshold]
    /// Request name → method and path as written in the scenario.
    public var requests: [String: RequestRoute]

    /// A request's method and path.
    public struct RequestRoute: Sendable, Equatable {
        public var method: String
        public var path: String
    }

    public init(name: String, target: String?, thresholds: [Threshold], requests: [String: RequestRoute]) {
        self.name = name
        self.target = target
        self.thresholds = thresholds
        self.requests = requests
    }

    /// Reads a scenario file; errors name the file and say what is wrong in one line.
    public static func read(_ path: String) throws(AlertError) -> AlertScenario {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw AlertError("cannot read \(path): no such file or not readable")
        }
        guard let text = String(data: data, encoding: .utf8) else { throw AlertError("\(path) is not UTF-8 text") }
        let base = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        return try parse(text, name: base, source: path)
    }

    /// Parses scenario YAML text.
    public static func parse(_ text: String, name: String, source: String = "scenario") throws(AlertError) -> AlertScenario {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            throw AlertError("\(source) is not valid YAML: \(String(describing: error).split(separator: "\n").joined(separator: " "))")
        }
        guard let root, let top = root.mapping else { throw AlertError("\(source): expected a mapping with 'thresholds:' at the top") }
        var thresholds: [Threshold] = []
        if let node = top["thresholds"] {
            guard let scopes = node.mapping else {
                throw AlertError("\(source): 'thresholds' must map a request name (or 'all') to a list of expressions")
            }
            for (key, value) in scopes {
                guard let scope = key.string else { continue }
                let expressions: [Node] = value.sequence.map { Array($0) } ?? [value]
                for expression in expressions {
                    guard let text = expression.string else {
                        throw AlertError("\(source): thresholds of '\(scope)' must be strings such as \"p95 < 100ms\"")
                    }
                    do {
                        thresholds.append(try Threshold(scope: scope, parsing: text))
                    } catch {
                        throw AlertError("\(source): \(String(describing: error))")
                    }
                }
            }
        }
        guard !thresholds.isEmpty else {
            throw AlertError("\(source) has no thresholds: add e.g. 'thresholds: { all: [\"p95 < 300ms\", \"error_rate < 1%\"] }'")
        }
        var requests: [String: RequestRoute] = [:]
        func collect(_ list: Node?) {
            guard let items = list?.sequence else { return }
            for item in items {
                guard let path = item["path"]?.string else { continue }
                let method = item["method"]?.string?.uppercased() ?? "GET"
                let name = item["name"]?.string ?? path
                if requests[name] == nil { requests[name] = RequestRoute(method: method, path: path) }
            }
        }
        collect(top["requests"])
        for scenario in top["scenarios"]?.sequence ?? Node.Sequence() { collect(scenario["requests"]) }
        return AlertScenario(name: name, target: top["target"]?.string, thresholds: thresholds, requests: requests)
    }
}

/// A scenario could not be read or turned into rules.
public struct AlertError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
