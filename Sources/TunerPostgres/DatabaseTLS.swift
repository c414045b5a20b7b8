import Foundation
import NIOSSL
import PostgresNIO

/// The one mapping from libpq's `sslmode` and `sslrootcert` to TLS, for Tuner's sessions and the demo
/// shop's pool alike.
public enum DatabaseTLS {
    /// The TLS configuration `settings` ask for, and whether a server without TLS is refused;
    /// `nil` when the connection is in clear (`disable`, `allow`).
    public static func configuration(for settings: ConnectionSettings) throws(DatabaseError)
        -> (configuration: TLSConfiguration, isRequired: Bool)?
    {
        let check = settings.certificateCheck
        guard check != .none else { return nil }
        var tls = TLSConfiguration.makeClientConfiguration()
        switch check {
        case .none, .encryptOnly: tls.certificateVerification = .none
        case .chain: tls.certificateVerification = .noHostnameVerification
        case .chainAndHostName: tls.certificateVerification = .fullVerification
        }
        if check == .chain || check == .chainAndHostName {
            tls.trustRoots = try trustRoots(settings.sslRootCert)
        }
        return (tls, settings.sslMode != .prefer)
    }

    /// As `PostgresConnection` takes it.
    static func connectionTLS(for settings: ConnectionSettings) throws(DatabaseError) -> PostgresConnection.Configuration.TLS {
        guard let (configuration, isRequired) = try self.configuration(for: settings) else { return .disable }
        let context: NIOSSLContext
        do {
            context = try NIOSSLContext(configuration: configuration)
        } catch {
            throw DatabaseError("cannot set up TLS for \(settings.redactedURL): \(error)")
        }
        return isRequired ? .require(context) : .prefer(context)
    }

    /// As a `PostgresClient` pool takes it (the demo shop's pool).
    public static func poolTLS(for settings: ConnectionSettings) throws(DatabaseError) -> PostgresClient.Configuration.TLS {
        guard let (configuration, isRequired) = try self.configuration(for: settings) else { return .disable }
        return isRequired ? .require(configuration) : .prefer(configuration)
    }

    /// libpq's places: the file `sslrootcert` names, `system`, else `~/.postgresql/root.crt` when present
    /// (libpq then requires that file; Tuner falls back to the system's trust store).
    private static func trustRoots(_ rootCert: String?) throws(DatabaseError) -> NIOSSLTrustRoots {
        if rootCert == "system" { return .default }
        let path = rootCert ?? NSString(string: "~/.postgresql/root.crt").expandingTildeInPath
        guard FileManager.default.fileExists(atPath: path) else {
            if rootCert == nil { return .default }
            throw DatabaseError(
                "sslrootcert \(path) does not exist; give the CA certificate that signed the server's (PEM), or sslrootcert=system")
        }
        do {
            return .certificates(try NIOSSLCertificate.fromPEMFile(path))
        } catch {
            throw DatabaseError("sslrootcert \(path) is not a PEM certificate file: \(error)")
        }
    }
}
