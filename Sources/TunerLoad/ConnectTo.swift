/// `--connect-to HOST:PORT:ADDRESS:PORT` as curl means it: connections for `HOST:PORT` go to `ADDRESS:PORT`
/// instead, while the URL, the `Host` header and the TLS server name keep `HOST` (one backend behind an ingress,
/// a staging name that DNS does not know). An empty `HOST` or `PORT` on the left matches any; an empty one on the
/// right keeps the URL's. IPv6 addresses are written in brackets: `[::1]`.
public struct ConnectTo: Sendable, Hashable, CustomStringConvertible {
    public var host: String?
    public var port: Int?
    public var toHost: String?
    public var toPort: Int?

    public init(parsing text: String) throws(LoadError) {
        var fields: [String] = []
        var current = ""
        var inBrackets = false
        for character in text {
            switch character {
            case "[": inBrackets = true
            case "]": inBrackets = false
            case ":" where !inBrackets:
                fields.append(current)
                current = ""
                continue
            default: break
            }
            if character != "[" && character != "]" { current.append(character) }
        }
        fields.append(current)
        guard fields.count == 4 else {
            throw LoadError("--connect-to '\(text)': write HOST:PORT:ADDRESS:PORT, e.g. shop.example.com:443:127.0.0.1:8443")
        }
        func port(_ field: String) throws(LoadError) -> Int? {
            guard !field.isEmpty else { return nil }
            guard let value = Int(field), (1...65535).contains(value) else {
                throw LoadError("--connect-to '\(text)': bad port '\(field)'")
            }
            return value
        }
        host = fields[0].isEmpty ? nil : fields[0].lowercased()
        self.port = try port(fields[1])
        toHost = fields[2].isEmpty ? nil : fields[2]
        toPort = try port(fields[3])
    }

    /// Where a connection for `host:port` goes, or `nil` when this mapping does not apply to it.
    public func destination(host: String, port: Int) -> (host: String, port: Int)? {
        if let mapped = self.host, mapped != host.lowercased() { return nil }
        if let mapped = self.port, mapped != port { return nil }
        return (toHost ?? host, toPort ?? port)
    }

    public var description: String {
        func name(_ host: String?) -> String { host.map { $0.contains(":") ? "[\($0)]" : $0 } ?? "" }
        return "\(name(host)):\(port.map(String.init) ?? ""):\(name(toHost)):\(toPort.map(String.init) ?? "")"
    }
}
