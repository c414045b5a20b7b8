import Foundation

/// A private CA and a server certificate it signed, made with the `openssl` command in a temporary directory:
/// the server certificate is valid for `tuner.test`, `localhost` and 127.0.0.1. Files are PEM.
public struct TestCertificates: Sendable {
    public let directory: String
    /// The CA's certificate (what `--ca` is given).
    public var caFile: String { "\(directory)/ca.pem" }
    public var serverCertificateFile: String { "\(directory)/server.pem" }
    public var serverKeyFile: String { "\(directory)/server.key" }
    /// The name the server certificate holds besides `localhost` and 127.0.0.1.
    public static let serverName = "tuner.test"

    public init() throws {
        directory = NSTemporaryDirectory() + "tuner-tls-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try "subjectAltName=DNS:\(Self.serverName),DNS:localhost,IP:127.0.0.1\n"
            .write(toFile: "\(directory)/server.ext", atomically: true, encoding: .utf8)
        let key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        try Self.openssl(["req", "-x509"] + key + [
            "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=Tuner Test CA",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        ], in: directory)
        try Self.openssl(["req"] + key + ["-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=\(Self.serverName)"],
                         in: directory)
        try Self.openssl([
            "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", "server.pem", "-days", "2", "-extfile", "server.ext",
        ], in: directory)
    }

    public func remove() { try? FileManager.default.removeItem(atPath: directory) }

    private static func openssl(_ arguments: [String], in directory: String) throws {
        try TestProgram.run("/usr/bin/openssl", arguments, in: directory)
    }
}
