/// `HOST:PORT` as the `--…-listen` options take it (`[::1]:9464`, `:9464` for every interface).
struct ListenAddress {
    let host: String
    let port: Int

    /// Reads `text`; a malformed address is a one-line usage error naming `option`.
    init(_ text: String, option: String) throws(ToolError) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
              (0...65535).contains(port)
        else {
            throw ToolError.usage("\(option) '\(text)': write HOST:PORT, e.g. 127.0.0.1:9464")
        }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        self.host = host.isEmpty ? "0.0.0.0" : host
        self.port = port
    }

    /// `HOST:PORT` with the port actually bound.
    func described(port bound: Int?) -> String {
        "\(host.contains(":") ? "[\(host)]" : host):\(bound ?? port)"
    }
}
