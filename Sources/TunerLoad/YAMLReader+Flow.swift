import TunerCore
import Yams

/// A scenario's `flow:`, `setup:`, `data:` and `cookies:`, with every variable checked against what the steps
/// before it capture, so a typo is an error at its line rather than a 401 under load.
extension YAMLReader {
    /// A path as the scenario file names it: relative to the file's directory.
    func path(relative path: String) -> String {
        guard let directory, !path.hasPrefix("/") else { return path }
        return directory.isEmpty ? path : "\(directory)/\(path)"
    }

    func flow(_ node: Node, keys: [String: Node], scenario: String) throws(LoadError) -> Flow {
        var data: DataTable?
        if let dataNode = keys["data"] {
            do { data = try DataTable(csvFile: path(relative: try string(dataNode))) } catch { throw self.error(dataNode, error.description) }
        }
        let cookies = try keys["cookies"].map { (n) throws(LoadError) in try bool(n) } ?? true
        var known = Set<String>()
        var setup: [FlowStep] = []
        if let setupNode = keys["setup"] {
            setup = try steps(setupNode, in: "setup", data: data, known: &known)
            guard !setup.isEmpty else { throw error(setupNode, "'setup' is empty") }
        }
        let steps = try steps(node, in: "flow", data: data, known: &known)
        guard !steps.isEmpty else { throw error(node, "scenario '\(scenario)' has an empty flow") }
        return Flow(steps: steps, setup: setup, data: data, cookies: cookies)
    }

    /// Steps in order; `known` holds the names captured so far (setup's first, then each step's after it).
    private func steps(_ node: Node, in place: String, data: DataTable?, known: inout Set<String>) throws(LoadError) -> [FlowStep] {
        let nodes = try sequence(node, in: place)
        var steps: [FlowStep] = []
        // Names captured anywhere in this list, to tell "used before it is captured" from "an environment variable".
        var capturedLater = Set<String>()
        for stepNode in nodes {
            if let captures = stepNode.mapping?["capture"] {
                for entry in captures.sequence.map(Array.init) ?? [captures] {
                    if let name = entry.mapping?["as"]?.scalar?.string { capturedLater.insert(name) }
                }
            }
        }
        for stepNode in nodes {
            let keys = try mapping(stepNode, in: "a flow step", allowed: [
                "name", "method", "path", "headers", "body", "capture", "expect", "think",
            ])
            let request = try request(keys, node: stepNode)
            let texts = [(request.path, keys["path"])] + request.headers.map { ($0.value, keys["headers"]) }
                + (request.body.map { [($0, keys["body"])] } ?? [])
            for (text, textNode) in texts {
                for name in Self.variableNames(in: text) {
                    if name.hasPrefix("data.") {
                        let column = String(name.dropFirst(5))
                        guard let data else { throw error(textNode, "${\(name)} needs a data file (data: users.csv)") }
                        guard data.columns.contains(column) else {
                            throw error(textNode, "${\(name)}: \(data.source) has no column '\(column)'; columns: \(data.columns.joined(separator: ", "))")
                        }
                    } else if !known.contains(name) && capturedLater.contains(name) {
                        throw error(textNode, "${\(name)} is used before a step captures it")
                    }
                }
            }
            var captures: [Capture] = []
            if let captureNode = keys["capture"] {
                for entry in captureNode.sequence.map(Array.init) ?? [captureNode] { captures.append(try capture(entry)) }
            }
            let expected = try keys["expect"].map { (n) throws(LoadError) in try self.expectation(n) }
            let pause = try keys["think"].map { (n) throws(LoadError) in try self.thinkTime(n) }
            for capture in captures { known.insert(capture.name) }
            steps.append(FlowStep(
                request: request, captures: captures, expectation: expected, think: pause,
                location: stepNode.mark.map { "\(file):\($0.line)" }))
        }
        return steps
    }

    private func capture(_ node: Node) throws(LoadError) -> Capture {
        let keys = try mapping(node, in: "a capture", allowed: ["json", "header", "regex", "as"])
        guard let asNode = keys["as"] else { throw error(node, "a capture needs 'as: NAME' (the variable it sets)") }
        let name = try string(asNode)
        guard let first = name.first, first == "_" || first.isLetter, name.allSatisfy({ $0 == "_" || $0.isLetter || $0.isNumber }),
              name != "uuid"
        else { throw error(asNode, "'\(name)' cannot be a variable name (letters, digits and _; not uuid)") }
        let sources = ["json", "header", "regex"].filter { keys[$0] != nil }
        guard sources.count == 1, let key = sources.first, let sourceNode = keys[key] else {
            throw error(node, "a capture takes exactly one of json, header, regex")
        }
        let text = try string(sourceNode)
        switch key {
        case "json":
            do { return Capture(.json(try JSONPath(parsing: text)), as: name) } catch { throw self.error(sourceNode, error.description) }
        case "header":
            return Capture(.header(text), as: name)
        default:
            do {
                let regex = try CaptureRegex(text)
                guard regex.hasGroup else { throw LoadError("regex '\(text)' needs a group: the capture takes the first, e.g. id=(\\d+)") }
            } catch let error as LoadError {
                throw self.error(sourceNode, error.description)
            } catch {
                throw self.error(sourceNode, "bad regex '\(text)'")
            }
            return Capture(.regex(text), as: name)
        }
    }

    private func expectation(_ node: Node) throws(LoadError) -> Expectation {
        let keys = try mapping(node, in: "expect", allowed: ["status", "contains"])
        var expectation = Expectation()
        if let statusNode = keys["status"] {
            let nodes = statusNode.sequence.map(Array.init) ?? [statusNode]
            var statuses: [Int] = []
            for item in nodes {
                let code = try integer(item)
                guard (100...599).contains(code) else { throw error(item, "\(code) is not an HTTP status (100–599)") }
                statuses.append(code)
            }
            guard !statuses.isEmpty else { throw error(statusNode, "'status' is empty") }
            expectation.statuses = statuses
        }
        if let containsNode = keys["contains"] { expectation.contains = try string(containsNode) }
        guard expectation.statuses != nil || expectation.contains != nil else {
            throw error(node, "expect needs 'status' or 'contains'")
        }
        return expectation
    }

    private func thinkTime(_ node: Node) throws(LoadError) -> ThinkTime {
        let text = try string(node)
        let bounds = text.components(separatedBy: "..")
        do {
            guard bounds.count <= 2 else { throw LoadError("bad think time '\(text)': use 1s or 1s..3s") }
            let lower = try Duration(parsing: bounds[0].trimmingCharacters(in: " "))
            let upper = bounds.count == 2 ? try Duration(parsing: bounds[1].trimmingCharacters(in: " ")) : lower
            guard lower >= .zero, upper >= lower else { throw LoadError("bad think time '\(text)': the range must go up") }
            return ThinkTime(lower: lower, upper: upper)
        } catch let error as LoadError {
            throw self.error(node, error.description)
        } catch {
            throw self.error(node, "bad think time '\(text)': \(error)")
        }
    }

    /// The names in `${…}` references, except `random:A..B` and `uuid`.
    static func variableNames(in text: String) -> [String] {
        var names: [String] = []
        var rest = Substring(text)
        while let open = rest.range(of: "${"), let close = rest[open.upperBound...].firstIndex(of: "}") {
            let name = String(rest[open.upperBound..<close])
            if !name.hasPrefix("random:") && name != "uuid" { names.append(name) }
            rest = rest[rest.index(after: close)...]
        }
        return names
    }
}
