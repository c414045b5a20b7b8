import Foundation
import Testing

@testable import EmbeddedPostgres
@testable import TunerPostgres

/// `sslmode` and `sslrootcert` as libpq means them, against the embedded cluster serving TLS with a
/// certificate from a CA generated here (as a managed database's private CA).
@Suite(.serialized) struct DatabaseTLSTests {
    /// A CA, a second CA that signed nothing of the server's, and a server certificate for the name
    /// `localhost` only (no address in it: connecting to 127.0.0.1 is then another name).
    struct Certificates {
        let directory: String
        var ca: String { "\(directory)/ca.crt" }
        var otherCA: String { "\(directory)/other-ca.crt" }
        var serverCertificate: String { "\(directory)/server.crt" }
        var serverKey: String { "\(directory)/server.key" }

        init(in directory: String) throws {
            self.directory = directory
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            func openssl(_ arguments: [String]) throws { try ProcessRunner.output(of: "openssl", arguments) }
            for name in ["ca", "other-ca"] {
                try openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=Tuner test \(name)",
                             "-keyout", "\(directory)/\(name).key", "-out", "\(directory)/\(name).crt"])
            }
            try openssl(["req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost",
                         "-keyout", "\(directory)/server.key", "-out", "\(directory)/server.csr"])
            try "subjectAltName = DNS:localhost\n".write(toFile: "\(directory)/san.ext", atomically: true, encoding: .utf8)
            try openssl(["x509", "-req", "-in", "\(directory)/server.csr", "-CA", "\(directory)/ca.crt",
                         "-CAkey", "\(directory)/ca.key", "-CAcreateserial", "-days", "2", "-extfile", "\(directory)/san.ext",
                         "-out", "\(directory)/server.crt"])
            chmod(serverKey, 0o600)
        }
    }

    /// The cluster with TLS on (a reload turns it on), and the certificates it serves.
    static func withTLSCluster(_ body: (EmbeddedCluster, Certificates) async throws -> Void) async throws {
        try await EmbeddedCluster.withCluster { cluster in
            let certificates = try Certificates(in: "\(cluster.baseDirectory)/tls")
            if let user = try ServerUser.forCurrentProcess() {
                for path in [certificates.directory, certificates.serverCertificate, certificates.serverKey] {
                    try ServerUser.handOver(path, to: user)
                }
            }
            try await cluster.psql("""
                ALTER SYSTEM SET ssl_cert_file = '\(certificates.serverCertificate)';
                ALTER SYSTEM SET ssl_key_file = '\(certificates.serverKey)';
                ALTER SYSTEM SET ssl = on;
                SELECT pg_reload_conf();
                """, database: "postgres")
            var tries = 0
            while try await cluster.psql("SHOW ssl", database: "postgres").trimmingCharacters(in: .whitespacesAndNewlines) != "on"
                && tries < 100 {
                tries += 1
                try await Task.sleep(for: .milliseconds(50))
            }
            try await body(cluster, certificates)
        }
    }

    /// Connects and returns whether the session is encrypted (`pg_stat_ssl`).
    static func encrypted(_ url: String) async throws -> Bool {
        try await DatabaseSession.withSession(try ConnectionSettings(url: url, environment: [:])) { session in
            try await session.scalar("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")?.bool == true
        }
    }

    @Test func privateCAIsVerifiedAsLibpqDoes() async throws {
        try await Self.withTLSCluster { cluster, certificates in
            let byAddress = "postgres://postgres@127.0.0.1:\(cluster.port)/postgres"
            let byName = "postgres://postgres@localhost:\(cluster.port)/postgres"
            // verify-full: the chain and the name (the certificate is for localhost).
            #expect(try await Self.encrypted("\(byName)?sslmode=verify-full&sslrootcert=\(certificates.ca)"))
            // verify-ca: the chain only, so the address, which the certificate does not name, passes.
            #expect(try await Self.encrypted("\(byAddress)?sslmode=verify-ca&sslrootcert=\(certificates.ca)"))
            // require without a root certificate: encrypted, unchecked (libpq's rule).
            #expect(try await Self.encrypted("\(byAddress)?sslmode=require"))
            #expect(try await !Self.encrypted("\(byAddress)?sslmode=disable"))

            // Refused, each in one line saying why: a name the certificate does not carry, a CA that did not
            // sign it, and `require` with that CA (a root certificate makes `require` check the chain).
            let refused = [
                ("\(byAddress)?sslmode=verify-full&sslrootcert=\(certificates.ca)", "is not for '127.0.0.1'"),
                ("\(byName)?sslmode=verify-full&sslrootcert=\(certificates.otherCA)", "does not chain to sslrootcert"),
                ("\(byName)?sslmode=require&sslrootcert=\(certificates.otherCA)", "does not chain to sslrootcert"),
            ]
            for (url, reason) in refused {
                do {
                    _ = try await Self.encrypted(url)
                    Issue.record("connected although the certificate does not verify: \(url)")
                } catch let error as DatabaseError {
                    #expect(error.description.contains("certificate verify failed"), "\(error.description)")
                    #expect(error.description.contains(reason), "\(error.description)")
                    #expect(!error.description.contains("\n"))
                }
            }
            // A root certificate file that is not there is named.
            await #expect(throws: DatabaseError.self) {
                try await Self.encrypted("\(byAddress)?sslmode=verify-full&sslrootcert=/nonexistent/ca.crt")
            }
        }
    }

    @Test func sslRootCertComesFromTheURLOrPGSSLROOTCERT() throws {
        let url = try ConnectionSettings(url: "postgres://u@db:5432/d?sslmode=verify-full&sslrootcert=/etc/ca.pem", environment: [:])
        #expect(url.sslRootCert == "/etc/ca.pem")
        #expect(url.certificateCheck == .chainAndHostName)
        #expect(url.redactedURL == "postgres://u@db:5432/d?sslmode=verify-full&sslrootcert=/etc/ca.pem")
        let environment = ["PGHOST": "db", "PGSSLMODE": "require", "PGSSLROOTCERT": "/etc/ca.pem"]
        let resolved = try ConnectionSettings.resolve(option: nil, environment: environment)
        #expect(resolved.sslRootCert == "/etc/ca.pem")
        #expect(resolved.certificateCheck == .chain)
        #expect(try ConnectionSettings(url: "postgres://u@db/d?sslmode=require", environment: [:]).certificateCheck == .encryptOnly)
        #expect(try ConnectionSettings(url: "postgres://u@db/d", environment: [:]).certificateCheck == .encryptOnly)
    }
}
