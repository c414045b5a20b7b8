import Foundation
import NIOCore
import TunerCore
#if canImport(Glibc)
import Glibc
#endif

/// How the service answers, beside how fast: after the load, each plain GET of the scenario's weighted mixes is sent
/// twice as a client that accepts gzip would send it (the scenario's headers, `Accept-Encoding: gzip`, keep-alive),
/// and the answers are judged: a body over 1 KB sent uncompressed, a body that repeats without `Cache-Control`,
/// `ETag` or `Last-Modified`, `Connection: close`. The load's own bytes per request name the largest responses.
/// Requests whose path needs a captured value, and https targets, are not probed (said in a note).
public enum ResponsePractices {
    /// Bodies up to this size are not worth compressing.
    public static let compressionThreshold = 1024

    /// One answer as it came over the wire.
    struct Answer {
        var status: Int
        /// Header names lower-cased.
        var headers: [String: String]
        /// The body as sent (compressed, when it was).
        var wireBytes: Int
        /// The body inflated, for comparing two answers.
        var body: [UInt8]
    }

    /// The findings for the plan's GETs (probed now) and for the result's bytes per request, and a note when some
    /// requests could not be probed.
    public static func findings(for plan: LoadPlan, result: LoadResult, timeout: Duration = .seconds(5),
                                environment: [String: String] = ProcessInfo.processInfo.environment) async -> ([Finding], [String]) {
        var findings = largestResponses(result)
        var notes: [String] = []
        guard !plan.target.isTLS else {
            notes.append("response practices: an https target is not probed yet (compression, caching, keep-alive)")
            return (findings, notes)
        }
        let address: SocketAddress
        do { address = try LoadEngine.resolve(plan.target, connectTo: plan.scenario.connectTo) } catch { return (findings, notes) }
        var skipped: [String] = []
        for workload in plan.scenario.workloads where workload.flow == nil {
            for template in workload.requests where template.method.uppercased() == "GET" {
                guard let request = probeRequest(template, plan: plan, environment: environment) else {
                    skipped.append(template.name)
                    continue
                }
                let answers = await offThePool { () -> (Answer?, Answer?) in
                    (try? fetch(request, from: address, timeout: timeout), try? fetch(request, from: address, timeout: timeout))
                }
                guard let first = answers.0, let second = answers.1 else { continue }
                findings += judge(name: template.name, path: template.path, first: first, second: second)
                if let parameter = template.limitParameter {
                    findings += await limitFindings(template, parameter: parameter, plan: plan, address: address,
                                                    timeout: timeout, environment: environment)
                }
            }
        }
        if !skipped.isEmpty { notes.append("response practices: not probed (a value the path needs is not known outside the load): \(skipped.joined(separator: ", "))") }
        return (findings, notes)
    }

    /// What two answers to the same GET say about the service's practices.
    static func judge(name: String, path: String, first: Answer, second: Answer) -> [Finding] {
        guard (200..<300).contains(first.status) else { return [] }
        var out: [Finding] = []
        let encoding = first.headers["content-encoding"]?.lowercased() ?? ""
        if first.wireBytes > compressionThreshold && !["gzip", "br", "deflate", "zstd"].contains(where: encoding.contains) {
            out.append(Finding(
                id: "uncompressed-response", severity: .warning, object: name,
                title: "\(name) answers \(ByteSize(bytes: Int64(first.wireBytes)).humanDescription) uncompressed to a client that accepts gzip",
                evidence: [.init("path", path), .init("body bytes", Double(first.wireBytes)),
                           .init("Content-Type", first.headers["content-type"] ?? "-")],
                why: "Text bodies (JSON, HTML) shrink 3–10× with gzip: less time on the wire for every client, less bandwidth.",
                fix: "# compress responses over 1 KB when the client accepts it, e.g.\n# nginx: gzip on; gzip_min_length 1024; gzip_types application/json;\n# Go: a gzip middleware (e.g. github.com/klauspost/compress/gzhttp); Hummingbird: a compression middleware",
                source: "response"))
        }
        let validators = ["cache-control", "etag", "last-modified"].filter { first.headers[$0] != nil }
        if validators.isEmpty && first.body == second.body && !first.body.isEmpty {
            out.append(Finding(
                id: "no-cache-headers", severity: .info, object: name,
                title: "\(name) answered the same body twice with no Cache-Control, ETag or Last-Modified",
                evidence: [.init("path", path), .init("body bytes", Double(first.body.count))],
                why: "Without them no client, proxy or CDN may reuse the answer or revalidate it cheaply (304), so every repeat is computed and sent again.",
                fix: "Cache-Control: public, max-age=60   # or private / no-cache with an ETag: the client revalidates and gets 304 Not Modified",
                source: "response"))
        }
        if first.headers["connection"]?.lowercased().contains("close") == true {
            out.append(Finding(
                id: "connection-close", severity: .warning, object: name,
                title: "\(name) closes the connection after its answer (Connection: close)",
                evidence: [.init("path", path), .init("Connection", first.headers["connection"] ?? "")],
                why: "Every request then pays a new TCP (and TLS) handshake: latency for the client, connection churn for the server.",
                fix: "# keep connections alive (HTTP/1.1's default): remove the Connection: close header or the setting that adds it\n# nginx: keepalive_timeout 65; upstream keepalive 32;",
                source: "response"))
        }
        return out
    }

    /// The page sizes a list is probed at: the scenario's (10 when it is not a number), ten and a hundred times it.
    static func limitProbes(_ path: String, parameter: String) -> [Int] {
        let query = path.split(separator: "?", maxSplits: 1).dropFirst().first ?? ""
        let given = query.split(separator: "&").first { $0.hasPrefix(parameter + "=") }
            .flatMap { Int($0.dropFirst(parameter.count + 1)) } ?? 10
        let base = max(1, given)
        return [base, base * 10, base * 100]
    }

    /// `path` with the query parameter `parameter` set to `value`.
    static func path(_ path: String, setting parameter: String, to value: Int) -> String {
        let parts = path.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2 else { return path }
        let query = parts[1].split(separator: "&", omittingEmptySubsequences: false).map { field in
            field.hasPrefix(parameter + "=") ? "\(parameter)=\(value)" : String(field)
        }
        return parts[0] + "?" + query.joined(separator: "&")
    }

    /// A list whose body keeps growing with its page size: the server does not cap `parameter`.
    static func limitFindings(_ template: RequestTemplate, parameter: String, plan: LoadPlan, address: SocketAddress,
                              timeout: Duration, environment: [String: String]) async -> [Finding] {
        var sizes: [(limit: Int, bytes: Int)] = []
        for limit in limitProbes(template.path, parameter: parameter) {
            var probe = template
            probe.path = path(template.path, setting: parameter, to: limit)
            guard let request = probeRequest(probe, plan: plan, environment: environment) else { return [] }
            let answer = await offThePool { try? fetch(request, from: address, timeout: timeout) }
            // A refusal of the large page (400, 422) is a cap too.
            guard let answer, (200..<300).contains(answer.status) else { break }
            sizes.append((limit, answer.body.count))
        }
        return judgeLimit(name: template.name, parameter: parameter, sizes: sizes)
    }

    /// Uncapped when the largest page is at least 5× the smallest and still grew by half from the page before it.
    static func judgeLimit(name: String, parameter: String, sizes: [(limit: Int, bytes: Int)]) -> [Finding] {
        guard sizes.count == 3, let smallest = sizes.first, let largest = sizes.last, smallest.bytes > 0,
              largest.bytes >= smallest.bytes * 5, Double(largest.bytes) >= Double(sizes[1].bytes) * 1.5
        else { return [] }
        let bytes = { (n: Int) in ByteSize(bytes: Int64(n)).humanDescription }
        return [Finding(
            id: "uncapped-limit", severity: .warning, object: name,
            title: "\(name) returns \(bytes(largest.bytes)) for \(parameter)=\(largest.limit): the server does not cap the page size",
            evidence: sizes.map { .init("body at \(parameter)=\($0.limit)", bytes($0.bytes)) },
            why: "A client (or an attacker) that asks for a huge page makes the service read, serialise and send all of it: "
                + "one request can hold a connection, memory and the database for as long as the whole table takes.",
            fix: "# cap the page size where the parameter is read, e.g.\n\(parameter) = min(\(parameter), 100)   # and paginate by keyset (WHERE id > last_id)",
            source: "response")]
    }

    /// Runs blocking socket work on a dispatch thread: the cooperative pool's few threads stay free for the
    /// process's other tasks (a slow service would otherwise hold one for up to the timeout per fetch).
    static func offThePool<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: work()) }
        }
    }

    /// The request names with the largest bodies per request in the load (the three largest over 1 KB).
    static func largestResponses(_ result: LoadResult) -> [Finding] {
        let sized = result.requests.filter { $0.count > 0 }
            .map { (stats: $0, perRequest: Double($0.bytesReceived) / Double($0.count)) }
            .filter { $0.perRequest > Double(compressionThreshold) }
            .sorted { $0.perRequest > $1.perRequest }
            .prefix(3)
        return sized.map { entry in
            Finding(
                id: "large-response", severity: .info, object: entry.stats.name,
                title: "\(entry.stats.name) sends \(ByteSize(bytes: Int64(entry.perRequest)).humanDescription) per response on the wire",
                evidence: [.init("bytes per response", entry.perRequest.rounded()), .init("responses", Double(entry.stats.count)),
                           .init("bytes in all", Double(entry.stats.bytesReceived))],
                why: "The largest responses cost the most time on the wire and in serialisation; they are where pagination, a leaner representation or compression pays most.",
                fix: "-- return fewer fields or rows per page (a limit the server caps), or compress (gzip) the body",
                source: "response")
        }
    }

    /// The GET as a client would send it, or nil when its path needs a value only the load knows (a capture).
    static func probeRequest(_ template: RequestTemplate, plan: LoadPlan, environment: [String: String]) -> [UInt8]? {
        guard var path = try? LoadPlan.substituteEnvironment(in: template.path, environment: environment, place: "probe") else { return nil }
        // ${random:A..B}: the lowest value, the same for both probes.
        while let open = path.range(of: "${random:"), let close = path[open.upperBound...].firstIndex(of: "}") {
            let low = path[open.upperBound..<close].split(separator: ".").first.map(String.init) ?? "1"
            path.replaceSubrange(open.lowerBound...close, with: low)
        }
        guard !path.contains("${") else { return nil }
        var head = "GET \(plan.target.pathPrefix + path) HTTP/1.1\r\n"
        var names: Set<String> = []
        for field in template.headers + plan.scenario.headers where !names.contains(field.name.lowercased()) {
            guard let value = try? LoadPlan.substituteEnvironment(in: field.value, environment: environment, place: "probe"),
                  !value.contains("${") else { continue }
            names.insert(field.name.lowercased())
            if field.name.lowercased() == "accept-encoding" || field.name.lowercased() == "connection" { continue }
            head += "\(field.name): \(value)\r\n"
        }
        if !names.contains("host") { head += "Host: \(plan.target.hostHeader)\r\n" }
        head += "User-Agent: tuner/\(TunerVersion.current)\r\nAccept-Encoding: gzip\r\n\r\n"
        return Array(head.utf8)
    }

    /// Sends `request` on a new connection and reads one whole answer (Content-Length, chunked, or until closed).
    static func fetch(_ request: [UInt8], from address: SocketAddress, timeout: Duration) throws -> Answer {
        let fd = socket(address.protocol.rawValue, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw LoadError("no socket") }
        defer { close(fd) }
        var limit = timeval(tv_sec: Int(timeout.components.seconds), tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        let connected = address.withSockAddr { pointer, size in connect(fd, pointer, socklen_t(size)) }
        guard connected == 0 else { throw LoadError("cannot connect") }
        guard request.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, 0) }) == request.count else { throw LoadError("cannot send") }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while bytes.count < 8 << 20 {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            bytes += buffer[0..<n]
            if let length = complete(bytes) { bytes = Array(bytes[0..<length]); break }
        }
        let response = ResponseInspector(bytes)
        guard response.status > 0 else { throw LoadError("no answer") }
        var headers: [String: String] = [:]
        for name in ["content-encoding", "content-type", "cache-control", "etag", "last-modified", "connection"] {
            if let value = response.header(name) { headers[name] = value }
        }
        let headEnd = (ResponseInspector.find([13, 10, 13, 10], in: bytes, from: 0) ?? bytes.count) + 4
        return Answer(status: response.status, headers: headers, wireBytes: max(bytes.count - headEnd, 0), body: Array(response.body))
    }

    /// The length of the first whole response in `bytes`, once it has all arrived.
    private static func complete(_ bytes: [UInt8]) -> Int? {
        guard let end = ResponseInspector.find([13, 10, 13, 10], in: bytes, from: 0) else { return nil }
        let head = String(decoding: bytes[0..<end], as: UTF8.self).lowercased()
        if let line = head.split(separator: "\r\n").first(where: { $0.hasPrefix("content-length:") }),
           let length = Int(line.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) {
            return bytes.count >= end + 4 + length ? end + 4 + length : nil
        }
        if head.contains("transfer-encoding: chunked") {
            return ResponseInspector.find([48, 13, 10, 13, 10], in: bytes, from: end + 4).map { $0 + 5 }
        }
        return nil
    }
}
