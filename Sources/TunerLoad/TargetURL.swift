/// An `http://` or `https://host[:port][/prefix]` target, split into what the engine needs.
public struct TargetURL: Sendable, Hashable, CustomStringConvertible {
    /// True for `https://`: the engine speaks HTTP/1.1 over TLS.
    public var isTLS: Bool
    public var host: String
    public var port: Int
    /// Path prefix without a trailing slash (`""` for the root).
    public var pathPrefix: String

    /// Parses a base URL (`http://` or `https://`; the port defaults to 80 or 443).
    public init(_ text: String) throws(LoadError) {
        let lower = text.lowercased()
        if lower.hasPrefix("https://") {
            isTLS = true
        } else if lower.hasPrefix("http://") {
            isTLS = false
        } else {
            throw LoadError("'\(text)' is not an http:// or https:// URL; write e.g. http://127.0.0.1:8080")
        }
        let defaultPort = isTLS ? 443 : 80
        let rest = text.dropFirst(isTLS ? "https://".count : "http://".count)
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
            port = try Self.port(after.hasPrefix(":") ? String(after.dropFirst()) : nil, in: text) ?? defaultPort
        } else if let colon = authority.lastIndex(of: ":") {
            host = String(authority[..<colon])
            port = try Self.port(String(authority[authority.index(after: colon)...]), in: text) ?? defaultPort
        } else {
            host = String(authority)
            port = defaultPort
        }
        guard !host.isEmpty else { throw LoadError("'\(text)': missing host") }
        pathPrefix = prefix
    }

    private static func port(_ text: String?, in url: String) throws(LoadError) -> Int? {
        guard let text else { return nil }
        guard let port = Int(text), (1...65535).contains(port) else {
            throw LoadError("'\(url)': bad port '\(text)'")
        }
        return port
    }

    /// The `Host` header value (the port left out when it is the scheme's default).
    public var hostHeader: String {
        let name = host.contains(":") ? "[\(host)]" : host
        return port == (isTLS ? 443 : 80) ? name : "\(name):\(port)"
    }

    /// True when the host is an IP address rather than a name (no SNI is sent for it).
    public var hostIsAddress: Bool {
        host.contains(":") || (host.split(separator: ".").count == 4 && host.split(separator: ".").allSatisfy { UInt8($0) != nil })
    }

    public var description: String { "\(isTLS ? "https" : "http")://\(hostHeader)\(pathPrefix)" }

    /// Splits a full URL into the base (scheme and authority) and the path with query (`/` when empty).
    static func split(_ url: String) throws(LoadError) -> (base: String, path: String) {
        let target = try TargetURL(url)
        let path = target.pathPrefix.isEmpty ? "/" : (target.pathPrefix.hasPrefix("?") ? "/" + target.pathPrefix : target.pathPrefix)
        var base = target
        base.pathPrefix = ""
        return (base.description, path)
    }
}
