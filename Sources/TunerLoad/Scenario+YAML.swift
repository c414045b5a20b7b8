import Foundation
import TunerCore
import Yams

extension Scenario {
    /// Reads a scenario file: the one reader of scenario files (`load`, `run`, `alerts`), errors naming
    /// the file and line.
    public init(file path: String) throws(LoadError) {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw LoadError("cannot read \(path): no such file or not readable")
        }
        try self.init(
            yaml: text, fileName: (path as NSString).lastPathComponent, directory: (path as NSString).deletingLastPathComponent)
    }

    /// Reads a scenario file (DESIGN.md's format). Errors name the file and line:
    /// `shop.yaml:12: unknown key 'weigth' in a request; accepted: name, method, path, headers, body, weight`.
    ///
    /// Keys may be written `warm_up`, `warm-up` or `warmUp`.
    ///
    /// Files the scenario names (`ca:`) are read relative to `directory` (the scenario file's), when given.
    public init(yaml text: String, fileName: String = "scenario", directory: String? = nil) throws(LoadError) {
        let reader = YAMLReader(file: fileName, directory: directory)
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: text) else { throw reader.error(nil, "the file is empty") }
            root = node
        } catch let error as LoadError {
            throw error
        } catch let error as YamlError {
            throw reader.syntaxError(error)
        } catch {
            throw reader.error(nil, "cannot read YAML: \(error)")
        }
        let top = try reader.mapping(root, in: "the scenario file", allowed: [
            "target", "headers", "scenarios", "thresholds", "warm_up", "timeout", "connect_timeout", "threads", "profile",
            "ca", "insecure", "connect_to", "seed",
        ])
        guard let targetNode = top["target"] else { throw reader.error(root, "missing 'target' (e.g. target: http://127.0.0.1:8080)") }
        let profile = try top["profile"].map { (node) throws(LoadError) in
            let name = try reader.string(node)
            do { return try Profile(named: name) } catch { throw reader.error(node, "\(error)") }
        }
        guard let scenariosNode = top["scenarios"] else {
            throw reader.error(root, "missing 'scenarios' (a list of workloads, each with requests)")
        }
        var workloads: [Workload] = []
        for (index, node) in try reader.sequence(scenariosNode, in: "scenarios").enumerated() {
            workloads.append(try reader.workload(node, index: index, profile: profile))
        }
        var thresholds: [Threshold] = []
        if let node = top["thresholds"] {
            for (scope, scopeNode, value) in try reader.entries(node, in: "thresholds") {
                let expressions = value.sequence != nil ? try reader.sequence(value, in: "thresholds") : [value]
                for expression in expressions {
                    do {
                        thresholds.append(try reader.threshold(expression, scope: scope))
                    } catch let error as ParseError {
                        throw reader.error(expression, error.description)
                    } catch let error as LoadError {
                        throw error
                    } catch {
                        throw reader.error(scopeNode, "\(error)")
                    }
                }
            }
        }
        self.init(
            target: try reader.string(targetNode),
            headers: try top["headers"].map { (node) throws(LoadError) in try reader.headers(node) } ?? [],
            workloads: workloads, thresholds: thresholds,
            warmUp: try top["warm_up"].map { (node) throws(LoadError) in try reader.duration(node) } ?? .zero,
            requestTimeout: try top["timeout"].map { (node) throws(LoadError) in try reader.duration(node) } ?? .seconds(10),
            connectTimeout: try top["connect_timeout"].map { (node) throws(LoadError) in try reader.duration(node) } ?? .seconds(5),
            threads: try top["threads"].map { (node) throws(LoadError) in try reader.integer(node) },
            profile: profile?.name)
        if let node = top["ca"] {
            // Relative to the scenario file, like every file a scenario names.
            let path = try reader.string(node)
            tls.caFile = reader.path(relative: path)
        }
        if let node = top["insecure"] { tls.insecure = try reader.bool(node) }
        if let node = top["seed"] {
            let value = try reader.integer(node)
            guard value >= 0 else { throw reader.error(node, "'seed' is a whole number of at least 0") }
            seed = UInt64(value)
        }
        if let node = top["connect_to"] {
            let texts = node.sequence.map { Array($0) } ?? [node]
            for text in texts {
                let value = try reader.string(text)
                do {
                    connectTo.append(try ConnectTo(parsing: value))
                } catch {
                    throw reader.error(text, error.description.replacingOccurrences(of: "--connect-to ", with: "connect_to: "))
                }
            }
        }
    }
}

extension YAMLReader {
    /// A threshold: `"p95 < 100ms"`, or `{ threshold: "p99[30s] < 200ms", abort_on_fail: true, delay_abort_eval: 10s }`.
    func threshold(_ node: Node, scope: String) throws -> Threshold {
        guard node.mapping != nil else { return try Threshold(scope: scope, parsing: try string(node)) }
        let keys = try mapping(node, in: "a threshold", allowed: ["threshold", "abort_on_fail", "delay_abort_eval"])
        guard let expression = keys["threshold"] else { throw error(node, "a threshold mapping needs 'threshold: EXPRESSION'") }
        var threshold = try Threshold(scope: scope, parsing: try string(expression))
        if let abort = keys["abort_on_fail"], try bool(abort) {
            guard threshold.windowSeconds != nil else {
                throw error(abort, "abort_on_fail needs a windowed threshold, e.g. 'p99[30s] < 200ms'")
            }
            threshold.abort = Threshold.AbortRule(delaySeconds: try keys["delay_abort_eval"].map { try duration($0).seconds } ?? 0)
        }
        return threshold
    }

    func workload(_ node: Node, index: Int, profile: Profile?) throws(LoadError) -> Workload {
        let keys = try mapping(node, in: "a scenario", allowed: [
            "name", "model", "rate", "connections", "duration", "stages", "think_time", "max_in_flight", "requests",
            "flow", "setup", "data", "cookies", "arrivals",
        ])
        let name = try keys["name"].map { (n) throws(LoadError) in try string(n) } ?? "scenario-\(index + 1)"
        let rate = try keys["rate"].map { (n) throws(LoadError) in try number(n) }
        let connections = try keys["connections"].map { (n) throws(LoadError) in try integer(n) }
        let model: LoadModel
        if let modelNode = keys["model"] {
            let text = try string(modelNode)
            guard let parsed = LoadModel(rawValue: text.lowercased()) else {
                throw error(modelNode, "unknown model '\(text)'; accepted: open (arrival rate), closed (connections)")
            }
            model = parsed
        } else {
            model = rate != nil ? .open : .closed
        }
        if model == .closed && rate != nil {
            throw error(keys["rate"], "'rate' needs model: open (the closed model is driven by connections)")
        }
        var requests: [RequestTemplate] = []
        var flow: Flow?
        if let flowNode = keys["flow"] {
            if let both = keys["requests"] { throw error(both, "scenario '\(name)' has both 'requests' and 'flow'; give one") }
            flow = try self.flow(flowNode, keys: keys, scenario: name)
        } else {
            for key in ["setup", "data", "cookies"] {
                if let stray = keys[key] { throw error(stray, "'\(key)' belongs to a flow; give the scenario a 'flow:'") }
            }
            guard let requestsNode = keys["requests"] else {
                throw error(node, "scenario '\(name)' has no 'requests' (a weighted mix) or 'flow' (steps in order)")
            }
            for requestNode in try sequence(requestsNode, in: "requests") { requests.append(try request(requestNode)) }
            guard !requests.isEmpty else { throw error(requestsNode, "scenario '\(name)' has no requests") }
        }

        let duration = try keys["duration"].map { (n) throws(LoadError) in try self.duration(n) }
        let level = model == .open ? rate : connections.map(Double.init)
        var workload = Workload(
            name: name, model: model, start: level ?? 0, stages: [],
            connections: model == .open ? connections ?? 64 : connections ?? 1,
            thinkTime: try keys["think_time"].map { (n) throws(LoadError) in try self.duration(n) } ?? .zero,
            maxInFlight: try keys["max_in_flight"].map { (n) throws(LoadError) in try integer(n) }, requests: requests,
            flow: flow)
        if let arrivalsNode = keys["arrivals"] {
            guard model == .open else {
                throw error(arrivalsNode, "'arrivals' spaces an open model's requests; give the scenario model: open and a rate")
            }
            let text = try string(arrivalsNode)
            do {
                workload.arrivals = try ArrivalProcess(parsing: text)
            } catch let parse {
                throw error(arrivalsNode, parse.description)
            }
        }
        if let stagesNode = keys["stages"] {
            for stageNode in try sequence(stagesNode, in: "stages") {
                workload.stages.append(try stage(stageNode, model: model))
            }
            guard !workload.stages.isEmpty else { throw error(stagesNode, "'stages' is empty") }
        } else {
            guard let level, level > 0 else {
                throw error(node, model == .open
                    ? "scenario '\(name)' needs 'rate' (requests/s) or 'stages'"
                    : "scenario '\(name)' needs 'connections' or 'stages'")
            }
            if let profile {
                workload.stages = [Stage(duration: .seconds(1), target: level)]
                workload = profile.apply(to: workload, duration: duration)
            } else {
                guard let duration else { throw error(node, "scenario '\(name)' needs a 'duration' (e.g. 30s) or 'stages'") }
                workload.stages = [Stage(duration: duration, target: level)]
            }
        }
        return workload
    }

    func stage(_ node: Node, model: LoadModel) throws(LoadError) -> Stage {
        let keys = try mapping(node, in: "a stage", allowed: ["duration", "target", "rate", "connections"])
        guard let durationNode = keys["duration"] else { throw error(node, "a stage needs a 'duration'") }
        let wrongKey = model == .open ? "connections" : "rate"
        if let wrong = keys[wrongKey] {
            throw error(wrong, "\(model == .open ? "an open" : "a closed")-model stage takes '\(model == .open ? "rate" : "connections")', not '\(wrongKey)'")
        }
        guard let targetNode = keys["target"] ?? keys[model == .open ? "rate" : "connections"] else {
            throw error(node, "a stage needs '\(model == .open ? "rate" : "connections")' (the level reached at its end)")
        }
        return Stage(duration: try duration(durationNode), target: try number(targetNode))
    }

    func request(_ node: Node) throws(LoadError) -> RequestTemplate {
        try request(try mapping(node, in: "a request", allowed: ["name", "method", "path", "headers", "body", "weight", "limit_param"]),
                    node: node)
    }

    func request(_ keys: [String: Node], node: Node) throws(LoadError) -> RequestTemplate {
        guard let pathNode = keys["path"] else { throw error(node, "a request needs a 'path' (e.g. /products?page=1)") }
        let path = try string(pathNode)
        let method = try keys["method"].map { (n) throws(LoadError) in try string(n) } ?? "GET"
        let weight = try keys["weight"].map { (n) throws(LoadError) in try integer(n) } ?? 1
        if weight < 0 { throw error(keys["weight"], "weight cannot be negative") }
        return RequestTemplate(
            name: try keys["name"].map { (n) throws(LoadError) in try string(n) } ?? "\(method.uppercased()) \(path)",
            method: method, path: path,
            headers: try keys["headers"].map { (n) throws(LoadError) in try headers(n) } ?? [],
            body: try keys["body"].map { (n) throws(LoadError) in
                guard n.scalar != nil else { throw error(n, "body must be a string; quote JSON: body: '{\"a\":1}'") }
                return try string(n)
            },
            weight: weight,
            limitParameter: try keys["limit_param"].map { (n) throws(LoadError) in
                let name = try string(n)
                guard let query = path.split(separator: "?", maxSplits: 1).dropFirst().first,
                      query.split(separator: "&").contains(where: { $0.hasPrefix(name + "=") })
                else { throw error(n, "limit_param '\(name)' is not a query parameter of the path \(path) (say \(path)?\(name)=20)") }
                return name
            })
    }

    func headers(_ node: Node) throws(LoadError) -> [HeaderField] {
        var fields: [HeaderField] = []
        for (name, keyNode, value) in try entries(node, in: "headers") {
            guard name.utf8.allSatisfy({ $0 > 32 && $0 < 127 && $0 != 58 }) else {
                throw error(keyNode, "bad header name '\(name)'")
            }
            fields.append(HeaderField(name, try string(value)))
        }
        return fields
    }
}
