/// An `http://host[:port][/prefix]` target, split into what the engine needs.
public struct TargetURL: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int
    /// Path prefix without a trailing slash (`""` for the root).
    public var pathPrefix: String

    /// Parses a base URL; only plain `http` is supported (the engine speaks HTTP/1.1 without TLS).
    public init(_ text: String) throws(LoadError) {
        let lower = text.lowercased()
        if lower.hasPrefix("https://") {
            throw LoadError("'\(text)': https is not supported; load-test the service over plain http (e.g. behind the TLS terminator)")
        }
        guard lower.hasPrefix("http://") else {
            throw LoadError("'\(text)' is not an http:// URL; write e.g. http://127.0.0.1:8080")
        }
        let rest = text.dropFirst("http://".count)
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        var prefix = String(rest[authorityEnd...])
        while prefix.hasSuffix("/") { prefix.removeLast() }
        guard !authority.isEmpty, !authority.contains("@") else {
            throw LoadError("'\(text)': missing or unsupported host")
        }
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw LoadError("'\(text)': bad IPv6 address") }
            host = String(authority[authority.index(after: authority.startIndex)..<close])
            let after = authority[authority.index(after: close)...]
            port = try Self.port(after.hasPrefix(":") ? String(after.dropFirst()) : nil, in: text)
        } else if let colon = authority.lastIndex(of: ":") {
            host = String(authority[..<colon])
            port = try Self.port(String(authority[authority.index(after: colon)...]), in: text)
        } else {
            host = String(authority)
            port = 80
        }
        guard !host.isEmpty else { throw LoadError("'\(text)': missing host") }
        pathPrefix = prefix
    }

    private static func port(_ text: String?, in url: String) throws(LoadError) -> Int {
        guard let text else { return 80 }
        guard let port = Int(text), (1...65535).contains(port) else {
            throw LoadError("'\(url)': bad port '\(text)'")
        }
        return port
    }

    /// The `Host` header value.
    public var hostHeader: String {
        let name = host.contains(":") ? "[\(host)]" : host
        return port == 80 ? name : "\(name):\(port)"
    }

    public var description: String { "http://\(hostHeader)\(pathPrefix)" }

    /// Splits a full URL into the base (scheme and authority) and the path with query (`/` when empty).
    static func split(_ url: String) throws(LoadError) -> (base: String, path: String) {
        let target = try TargetURL(url)
        let path = target.pathPrefix.isEmpty ? "/" : (target.pathPrefix.hasPrefix("?") ? "/" + target.pathPrefix : target.pathPrefix)
        var base = target
        base.pathPrefix = ""
        return (base.description, path)
    }
}
