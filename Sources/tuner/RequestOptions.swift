import ArgumentParser
import Foundation
import TunerCore
import TunerLoad

/// What to send and where, shared by `load`, `run` and `capacity`: the target (URL or scenario file), the
/// connections, headers, a URL target's method and body, timeouts and threads.
struct RequestOptions: ParsableArguments {
    @Argument(help: "An http:// or https:// URL, or a scenario file (YAML).")
    var target: String

    @Option(name: [.customShort("c"), .long], help: "Connections (closed model), or the connection pool (open model). Default 64.")
    var connections: Int?

    @Option(name: .customShort("H"), help: "A header for every request, 'Name: value' (repeatable).")
    var header: [String] = []

    @Option(name: [.customShort("m"), .long], help: "HTTP method for a URL target (default GET).")
    var method: String = "GET"

    @Option(name: [.customShort("d"), .customLong("data")], help: "Request body for a URL target.")
    var data: String?

    @Option(help: "Request timeout: no complete response after this long counts as 'timeout' (default 10s).")
    var timeout: String?

    @Option(help: "Connect timeout (default 5s).")
    var connectTimeout: String?

    @Option(help: "Event loops (threads); default one per core.")
    var threads: Int?

    @Option(help: ArgumentHelp(
        "HTTPS: trust the CA certificates in this PEM file instead of the system's (a private CA).",
        valueName: "file"))
    var ca: String?

    @Flag(help: "HTTPS: do not verify the server's certificate (printed in the summary and recorded in the result).")
    var insecure = false

    @Option(name: .customLong("connect-to"), help: ArgumentHelp(
        "Send connections for HOST:PORT to ADDRESS:PORT while the URL, Host header and TLS name keep HOST (curl's"
            + " meaning; repeatable), e.g. shop.example.com:443:10.0.0.7:8443.",
        valueName: "HOST:PORT:ADDRESS:PORT"))
    var connectTo: [String] = []

    @Option(help: ArgumentHelp(
        "Open model: how requests are spaced at the rate: uniform (evenly, as wrk2 and k6's constant-arrival-rate) or"
            + " poisson (at random, as independent users arrive: bursts and lulls). Default: each scenario's own, else uniform for a"
            + " load at a rate and poisson for a capacity search (the rate random users can arrive at).",
        valueName: "uniform|poisson"))
    var arrivals: ArrivalProcess?

    @Option(help: "The seed of random (poisson) arrival times, to repeat a run's exactly (the result records the one used).")
    var seed: UInt64?

    @Option(help: ArgumentHelp(
        "The engine's transport: automatic (its own epoll loops for http:// on Linux, NIO for https://), epoll, nio.",
        visibility: .hidden))
    var transport: EngineTransport?

    /// True when the target is a URL rather than a scenario file.
    var isURL: Bool { Self.isURL(target) }

    /// True when a target is a URL (http:// or https://), not a scenario file.
    static func isURL(_ target: String) -> Bool {
        target.lowercased().hasPrefix("http://") || target.lowercased().hasPrefix("https://")
    }

    /// These options into `overrides`.
    func fill(_ overrides: inout ScenarioOverrides) throws {
        overrides.connections = connections
        overrides.requestTimeout = try timeout.map { try Self.duration($0, option: "--timeout") }
        overrides.connectTimeout = try connectTimeout.map { try Self.duration($0, option: "--connect-timeout") }
        overrides.headers = try header.map { try HeaderField(parsing: $0) }
        overrides.threads = threads
        overrides.caFile = ca
        overrides.insecure = insecure
        overrides.connectTo = try connectTo.map { try ConnectTo(parsing: $0) }
        overrides.transport = transport
        overrides.arrivals = arrivals
        overrides.seed = seed
    }

    /// The scenario the target names, with `overrides` applied (`reshape` as `ScenarioOverrides.apply`).
    func scenario(_ overrides: ScenarioOverrides) throws -> Scenario {
        if isURL { return try overrides.scenario(url: target, method: method, body: data) }
        guard FileManager.default.fileExists(atPath: target) else {
            throw LoadError("'\(target)' is neither an http:// or https:// URL nor an existing scenario file")
        }
        if data != nil || method != "GET" {
            throw LoadError("-m and -d apply to a URL target; a scenario file sets method and body per request")
        }
        return try overrides.scenario(file: target)
    }

    static func duration(_ text: String, option: String) throws(LoadError) -> Duration {
        do {
            return try Duration(parsing: text)
        } catch {
            throw LoadError("\(option): \(error.description)")
        }
    }

    func validate() throws {
        if let connections, connections < 1 { throw ValidationError("--connections must be at least 1") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    }
}

extension EngineTransport: ExpressibleByArgument {}
extension ArrivalProcess: ExpressibleByArgument {}
