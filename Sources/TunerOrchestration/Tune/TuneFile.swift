import Foundation
import TunerCore
import TunerLoad
import Yams

/// A tune file: what `tuner tune` loads the service with and judges it by, the service it starts (or finds running),
/// the database it watches, the service's settings it may turn, and what it may change in the database.
///
/// ```yaml
/// scenario: scenario.yaml                 # or target: http://127.0.0.1:8080/path
/// slo: ["p95 < 300ms", "error_rate < 1%"]
/// database: postgres://user@127.0.0.1:5432/app
/// service:
///   command: ./server                     # started in its own process group, stopped the same way
///   ready: http://127.0.0.1:8080/health
///   env: { DB_MAX_OPEN_CONNS: "50" }      # today's values
/// knobs:
///   DB_MAX_OPEN_CONNS: [1, 2, 4, 8, 16]
/// apply: [indexes, settings]              # restarts only if listed
/// ```
public struct TuneFile: Sendable {
    /// What loads the service: a scenario file (relative to the tune file) or one URL.
    public enum Load: Sendable, Equatable {
        case scenario(path: String)
        case target(url: String)
    }

    /// The service under test.
    public struct Service: Sendable, Equatable {
        /// The command Tuner starts (`/bin/sh -c`, in `directory`, with `env`), in a process group of its own; `nil` when
        /// the service is already running (then nothing that needs a restart can be tried).
        public var command: String?
        public var directory: String?
        /// A URL that answers (any status below 500) once the service is ready; without one, the load's target is polled.
        public var ready: String?
        /// Today's values of the settings the service reads from its environment.
        public var env: [String: String]
        /// How long a start may take before it is a failure.
        public var readyTimeout: Duration

        public init(command: String? = nil, directory: String? = nil, ready: String? = nil, env: [String: String] = [:],
                    readyTimeout: Duration = .seconds(60)) {
            self.command = command
            self.directory = directory
            self.ready = ready
            self.env = env
            self.readyTimeout = readyTimeout
        }
    }

    /// A setting of the service (an environment variable) and the values to try.
    public struct Knob: Sendable, Equatable {
        public var name: String
        public var values: [String]
    }

    /// What Tuner may change in the database. `restarts` is accepted (the contract's word for letting Tuner restart
    /// PostgreSQL) but a tune does not restart yet: a setting that needs a restart is left to the user.
    public enum Permission: String, Sendable, CaseIterable {
        case indexes, settings, restarts
    }

    public var load: Load
    /// The SLO every capacity step is judged by, as written (`p95 < 300ms`, `checkout: p99 < 1s`).
    public var slo: [String]
    public var thresholds: [Threshold]
    public var database: String
    public var service: Service
    public var knobs: [Knob]
    public var apply: Set<Permission>
    /// The capacity search's settings for every measurement (`capacity:` in the file; defaults fit a tune of a few
    /// minutes per change).
    public var capacity: CapacitySearch.Options
    /// How to profile the service (`profile:` — auto, perf, py-spy or a Go pprof URL): after the baseline and at the
    /// end of an applied tune, a run at a steady share of the capacity with the profiler on.
    public var profile: ProfilerChoice?
    /// The file's path as given, and its directory (the scenario and the service's directory are relative to it).
    public var path: String
    public var directory: String

    /// The capacity search a tune runs unless the file says otherwise: 5 s steps after 2 s of warm-up, a 10 s
    /// confirmation, 10% precision.
    public static var defaultCapacity: CapacitySearch.Options {
        var options = CapacitySearch.Options()
        options.stepDuration = .seconds(5)
        options.stepWarmUp = .seconds(2)
        options.confirmDuration = .seconds(10)
        options.precision = 0.10
        return options
    }

    /// Reads and checks a tune file; every mistake is one line naming the file and, where it can, the line.
    public init(contentsOf path: String) throws(LoadError) {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw LoadError("cannot read the tune file \(path): \(error.localizedDescription)")
        }
        try self.init(yaml: text, path: path)
    }

    public init(yaml text: String, path: String) throws(LoadError) {
        self.path = path
        directory = (path as NSString).deletingLastPathComponent
        let reader = YAMLReader(file: (path as NSString).lastPathComponent, directory: directory)
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: text) else { throw reader.error(nil, "the file is empty") }
            root = node
        } catch let error as YamlError {
            throw reader.syntaxError(error)
        } catch let error as LoadError {
            throw error
        } catch {
            throw LoadError("\(path): \(error)")
        }
        let keys = try reader.mapping(root, in: "the tune file", allowed: [
            "scenario", "target", "slo", "database", "service", "knobs", "apply", "capacity", "profile",
        ])
        switch (keys["scenario"], keys["target"]) {
        case (let scenario?, nil): load = .scenario(path: try reader.string(scenario))
        case (nil, let target?):
            let url = try reader.string(target)
            guard url.hasPrefix("http://") || url.hasPrefix("https://") else {
                throw reader.error(target, "target: '\(url)' is not an http:// or https:// URL")
            }
            load = .target(url: url)
        case (.some, .some): throw reader.error(keys["target"], "give either scenario: or target:, not both")
        case (nil, nil): throw reader.error(root, "name the load: scenario: FILE (a Tuner scenario) or target: URL")
        }

        guard let sloNode = keys["slo"] else {
            throw reader.error(root, "slo: is missing: the SLO every capacity step is judged by, e.g. slo: [\"p95 < 300ms\"]")
        }
        var sloTexts: [String] = []
        if sloNode.sequence != nil {
            for item in try reader.sequence(sloNode, in: "slo") { sloTexts.append(try reader.string(item)) }
        } else {
            sloTexts = [try reader.string(sloNode)]
        }
        guard !sloTexts.isEmpty else { throw reader.error(sloNode, "slo: give at least one, e.g. \"p95 < 300ms\"") }
        var thresholds: [Threshold] = []
        for text in sloTexts {
            do {
                thresholds.append(try Threshold(parsingScoped: text))
            } catch {
                throw reader.error(sloNode, "slo: '\(text)': \(error)")
            }
        }
        slo = sloTexts
        self.thresholds = thresholds

        guard let databaseNode = keys["database"] else {
            throw reader.error(root, "database: is missing: the service's PostgreSQL URL (postgres://user@host:5432/db)")
        }
        database = try reader.string(databaseNode)
        guard database.hasPrefix("postgres://") || database.hasPrefix("postgresql://") else {
            throw reader.error(databaseNode, "database: not a postgres:// URL")
        }

        service = try keys["service"].map { node throws(LoadError) in try Self.service(node, reader: reader) } ?? Service()
        knobs = try keys["knobs"].map { node throws(LoadError) in try Self.knobs(node, reader: reader) } ?? []
        if !knobs.isEmpty && service.command == nil {
            throw reader.error(keys["knobs"], "knobs need service.command: Tuner restarts the service with each value")
        }
        var permissions = Set<Permission>()
        if let node = keys["apply"] {
            for item in try reader.sequence(node, in: "apply") {
                let word = try reader.string(item)
                guard let permission = Permission(rawValue: word.lowercased()) else {
                    throw reader.error(item, "apply: unknown '\(word)'; accepted: "
                                       + Permission.allCases.map(\.rawValue).joined(separator: ", "))
                }
                permissions.insert(permission)
            }
        }
        apply = permissions
        capacity = try keys["capacity"].map { node throws(LoadError) in try Self.capacity(node, reader: reader) }
            ?? Self.defaultCapacity
        if let node = keys["profile"] {
            let text = try reader.string(node)
            guard let choice = ProfilerChoice(text) else {
                throw reader.error(node, "profile: '\(text)' is not auto, perf, py-spy or a pprof URL (http://127.0.0.1:6060)")
            }
            if choice.needsProcess && service.command == nil {
                throw reader.error(node, "profile: \(text) profiles the service's process: it needs service.command (Tuner starts it)")
            }
            profile = choice
        }
    }

    static func service(_ node: Node, reader: YAMLReader) throws(LoadError) -> Service {
        let keys = try reader.mapping(node, in: "service", allowed: ["command", "directory", "ready", "env", "ready_timeout"])
        var service = Service()
        service.command = try keys["command"].map { node throws(LoadError) in try reader.string(node) }
        service.directory = try keys["directory"].map { node throws(LoadError) in try reader.string(node) }
        if let ready = keys["ready"] {
            let url = try reader.string(ready)
            guard url.hasPrefix("http://") || url.hasPrefix("https://") else {
                throw reader.error(ready, "service.ready: '\(url)' is not an http:// or https:// URL")
            }
            service.ready = url
        }
        if let env = keys["env"] {
            for (name, keyNode, value) in try reader.entries(env, in: "service.env") {
                guard Self.isVariableName(name) else {
                    throw reader.error(keyNode, "service.env: '\(name)' is not an environment variable's name")
                }
                service.env[name] = try reader.string(value)
            }
        }
        if let timeout = keys["ready_timeout"] { service.readyTimeout = try reader.duration(timeout) }
        return service
    }

    static func knobs(_ node: Node, reader: YAMLReader) throws(LoadError) -> [Knob] {
        var knobs: [Knob] = []
        for (name, keyNode, value) in try reader.entries(node, in: "knobs") {
            guard Self.isVariableName(name) else {
                throw reader.error(keyNode, "knobs: '\(name)' is not an environment variable's name")
            }
            let values = try reader.sequence(value, in: "knobs.\(name)").map { item throws(LoadError) in try reader.string(item) }
            guard !values.isEmpty else {
                throw reader.error(value, "knobs.\(name): give at least one value to try (today's, from service.env, is tried beside them)")
            }
            guard Set(values).count == values.count else { throw reader.error(value, "knobs.\(name): a value is given twice") }
            knobs.append(Knob(name: name, values: values))
        }
        return knobs
    }

    static func capacity(_ node: Node, reader: YAMLReader) throws(LoadError) -> CapacitySearch.Options {
        let keys = try reader.mapping(node, in: "capacity", allowed: [
            "step", "warm_up", "confirm", "precision", "start", "max", "max_step",
        ])
        var options = defaultCapacity
        if let step = keys["step"] { options.stepDuration = try reader.duration(step) }
        if let warmUp = keys["warm_up"] { options.stepWarmUp = try reader.duration(warmUp) }
        if let confirm = keys["confirm"] { options.confirmDuration = try reader.duration(confirm) }
        if let cap = keys["max_step"] { options.maximumStepDuration = try reader.duration(cap) }
        if let precision = keys["precision"] {
            let text = try reader.string(precision)
            do {
                options.precision = try Percentage.fraction(parsing: text)
            } catch {
                throw reader.error(precision, "capacity.precision: \(error)")
            }
        }
        if let start = keys["start"] { options.start = try reader.number(start) }
        if let maximum = keys["max"] { options.maximum = try reader.number(maximum) }
        guard options.stepDuration >= .seconds(1), options.confirmDuration >= .seconds(1) else {
            throw reader.error(node, "capacity: step and confirm must be at least 1s")
        }
        if let cap = options.maximumStepDuration, cap < options.stepDuration {
            throw reader.error(keys["max_step"], "capacity.max-step must be at least the step")
        }
        return options
    }

    /// A POSIX environment variable's name: a letter or underscore, then letters, digits and underscores.
    static func isVariableName(_ name: String) -> Bool {
        guard let first = name.first, first == "_" || (first.isASCII && first.isLetter) else { return false }
        return name.allSatisfy { $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) }
    }

    /// A path the file names, resolved against the file's directory.
    public func resolve(_ relative: String) -> String {
        relative.hasPrefix("/") || directory.isEmpty ? relative : (directory as NSString).appendingPathComponent(relative)
    }
}
