/// Why a request did not end in a 2xx/3xx response; the keys of `RequestStats.errors`.
public struct ErrorKind: Hashable, Codable, Sendable, CustomStringConvertible {
    public let rawValue: String
    public init(_ rawValue: String) { self.rawValue = rawValue }

    /// The server answered 4xx.
    public static let status4xx = ErrorKind("status_4xx")
    /// The server answered 5xx.
    public static let status5xx = ErrorKind("status_5xx")
    /// No complete response within the request timeout.
    public static let timeout = ErrorKind("timeout")
    /// The connection could not be made within the connect timeout.
    public static let connectTimeout = ErrorKind("connect_timeout")
    /// The target refused the connection.
    public static let refused = ErrorKind("refused")
    /// The connection was reset or closed before the response was complete.
    public static let reset = ErrorKind("reset")
    /// The bytes received were not a valid HTTP/1.1 response.
    public static let `protocol` = ErrorKind("protocol")
    /// The TLS handshake failed (a certificate that does not verify, a server that closed during the handshake);
    /// the run notes and the error message give the reason.
    public static let tls = ErrorKind("tls")
    /// Open model: not sent because `--max-in-flight` was reached; recorded with the time it had waited.
    public static let dropped = ErrorKind("dropped")
    /// A flow step's response failed its `expect:` (status, text) or a capture found nothing; the result keeps
    /// the first few reasons per step, and the iteration's remaining steps are skipped.
    public static let expect = ErrorKind("expect")
    /// Anything else (DNS, local resource limits); the run notes say more.
    public static let other = ErrorKind("other")

    public var description: String { rawValue }

    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
