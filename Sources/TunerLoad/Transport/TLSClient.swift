import Foundation
import NIOCore
import NIOSSL
import TunerCore

/// The engine's TLS side for an `https://` target: one `NIOSSLContext` for the whole run (built once, shared by
/// every event loop), a client handler per connection with SNI from the URL's host, and the one-line reason a
/// handshake failed.
struct TLSClient: Sendable {
    let context: NIOSSLContext
    /// Sent as SNI and verified against the certificate; `nil` for an IP address (checked against the address).
    let serverName: String?
    let settings: TLSSettings

    init(target: TargetURL, settings: TLSSettings) throws(LoadError) {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.applicationProtocols = ["http/1.1"]
        if settings.insecure { configuration.certificateVerification = .none }
        if let caFile = settings.caFile {
            let certificates: [NIOSSLCertificate]
            do {
                certificates = try NIOSSLCertificate.fromPEMFile(caFile)
            } catch {
                throw LoadError(FileManager.default.isReadableFile(atPath: caFile)
                    ? "--ca \(caFile): no PEM certificate in it" : "--ca \(caFile): no such file or not readable")
            }
            guard !certificates.isEmpty else { throw LoadError("--ca \(caFile): no PEM certificate in it") }
            configuration.trustRoots = .certificates(certificates)
        }
        do {
            context = try NIOSSLContext(configuration: configuration)
        } catch {
            throw LoadError("cannot set up TLS: \(error)")
        }
        serverName = target.hostIsAddress ? nil : target.host
        self.settings = settings
    }

    /// A handler for one new connection.
    func handler() throws -> NIOSSLClientHandler {
        try NIOSSLClientHandler(context: context, serverHostname: serverName)
    }

    /// What the result records about it.
    var record: TLSRecord { TLSRecord(verified: !settings.insecure, caFile: settings.caFile, serverName: serverName) }

    /// True for the errors a failed TLS handshake raises.
    static func isTLSError(_ error: any Error) -> Bool {
        error is NIOSSLError || error is NIOSSLExtraError || error is BoringSSLError
    }

    /// One line that says why the handshake failed, and what to do about it where Tuner knows.
    static func reason(_ error: any Error, serverName: String?) -> String {
        let text = "\(error)"
        if text.contains("CERTIFICATE_VERIFY_FAILED") {
            return "certificate verify failed: not signed by a CA this machine trusts (a self-signed certificate or a"
                + " private CA: pass --ca FILE, or --insecure to skip verification)"
        }
        if let error = error as? NIOSSLExtraError, error == .failedToValidateHostname {
            return "certificate verify failed: it is not valid for \(serverName.map { "'\($0)'" } ?? "this address")"
        }
        if let error = error as? NIOSSLError {
            switch error {
            case .uncleanShutdown: return "the server closed the connection during the TLS handshake"
            case .handshakeFailed(let underlying): return "TLS handshake failed: \(Self.brief(underlying))"
            default: return "TLS failed: \(error)"
            }
        }
        return "TLS failed: \(text)"
    }

    /// BoringSSL's reason codes (`…:WRONG_VERSION_NUMBER`) in lower case words.
    private static func brief(_ error: BoringSSLError) -> String {
        guard case .sslError(let errors) = error else { return "\(error)" }
        let reasons = errors.map { "\($0)" }.compactMap { line in
            line.split(separator: ":").last.map { $0.replacingOccurrences(of: "_", with: " ").lowercased() }
        }
        return reasons.isEmpty ? "\(error)" : reasons.joined(separator: "; ")
    }
}
