import Foundation
import Testing
import TunerCore
import TunerTestSupport
@testable import TunerLoad

/// The engine over HTTPS against a local TLS server whose certificate a private CA (made by `openssl` for the
/// suite) signed: verified with the CA, refused without it, accepted with `insecure`; the handshake timed on its
/// own; a server that resets during the handshake; `Host` replacement and `--connect-to`.
@Suite(.serialized) struct HTTPSTests {
    let certificates: TestCertificates

    init() throws { certificates = try TestCertificates() }

    static func plan(
        _ url: String, tls: TLSSettings = TLSSettings(), connectTo: [String] = [], headers: [HeaderField] = [],
        seconds: Double = 1, connections: Int = 3, connectTimeout: Duration = .seconds(5)
    ) throws -> LoadPlan {
        let workload = Workload(
            name: "test", model: .closed, start: Double(connections), stages: [Stage(duration: .seconds(seconds), target: Double(connections))],
            connections: connections, requests: [RequestTemplate(name: "root", path: "/")])
        var scenario = Scenario(target: url, headers: headers, workloads: [workload], requestTimeout: .seconds(5), threads: 1)
        scenario.connectTimeout = connectTimeout
        scenario.tls = tls
        scenario.connectTo = try connectTo.map { try ConnectTo(parsing: $0) }
        return try LoadPlan(scenario)
    }

    @Test func verifiedWithThePrivateCAAndTheHandshakeTimedOnItsOwn() async throws {
        defer { certificates.remove() }
        let server = try await TestHTTPServer(tls: certificates)
        let result = try await LoadEngine.run(try Self.plan(server.url, tls: TLSSettings(caFile: certificates.caFile)))
        try await server.stop()
        #expect(result.overall.count > 10)
        #expect(result.overall.errors.isEmpty, "\(result.overall.errors) \(result.notes)")
        #expect(result.overall.statusCodes == ["200": result.overall.count])
        let connections = try #require(result.connections)
        #expect(connections.opened == 3)
        #expect(connections.failed == 0)
        let handshake = try #require(connections.tlsHandshake, "HTTPS keeps the handshake's own histogram")
        #expect(handshake.p50 > 0)
        #expect(try HistogramCodec.decode(try #require(connections.histograms.tlsHandshake)).totalCount == 3)
        #expect(result.configuration.tls == TLSRecord(verified: true, caFile: certificates.caFile, serverName: nil))
        #expect(LoadSummary.render(result).contains("TLS handshake p50"))
    }

    @Test func refusedByDefaultWithTheReasonAndAcceptedWhenInsecure() async throws {
        defer { certificates.remove() }
        let server = try await TestHTTPServer(tls: certificates)
        // The system trust store does not know the test CA: nothing connects, and the error says why in one line.
        let error = await #expect(throws: LoadError.self) { try await LoadEngine.run(try Self.plan(server.url)) }
        let description = try #require(error?.description)
        #expect(description.contains("certificate verify failed"), "\(description)")
        #expect(!description.contains("\n"))
        let partial = try #require(error?.partialResult)
        #expect(partial.overall.statusCodes.isEmpty)
        #expect(partial.connections?.failed ?? 0 > 0)
        #expect(server.requestCount == 0, "no request went out over an unverified connection")

        let insecure = try await LoadEngine.run(try Self.plan(server.url, tls: TLSSettings(insecure: true)))
        try await server.stop()
        #expect(insecure.overall.count > 10)
        #expect(insecure.overall.errors.isEmpty)
        #expect(insecure.configuration.tls?.verified == false)
        #expect(LoadSummary.render(insecure).contains("NOT verified (--insecure)"))
    }

    @Test func aServerThatResetsDuringTheHandshakeIsATLSFailure() async throws {
        defer { certificates.remove() }
        let server = try await TestHTTPServer(misbehaviour: .resetOnFirstBytes, tls: certificates)
        let error = await #expect(throws: LoadError.self) {
            try await LoadEngine.run(try Self.plan(server.url, tls: TLSSettings(caFile: self.certificates.caFile)))
        }
        try await server.stop()
        let partial = try #require(error?.partialResult)
        #expect((partial.connections?.failed ?? 0) > 0)
        #expect(partial.connections?.opened == 0)
        #expect(error?.description.contains("TLS") == true || error?.description.contains("reset") == true,
                "\(error?.description ?? "")")
    }

    @Test func aHandshakeStillUnansweredWhenTheRunEndsIsDecidedBeforeTheResult() async throws {
        defer { certificates.remove() }
        // A TCP server that accepts and never speaks TLS: the 1 s run ends while every handshake waits, and only the
        // 2 s connect timeout (which bounds the handshake) decides. An empty result with no error would be a lie.
        let server = try await TestHTTPServer(misbehaviour: .silent)
        let url = "https://127.0.0.1:\(server.port)"
        let error = await #expect(throws: LoadError.self) {
            try await LoadEngine.run(try Self.plan(
                url, tls: TLSSettings(caFile: self.certificates.caFile), seconds: 1, connectTimeout: .seconds(2)))
        }
        try await server.stop()
        #expect(error?.description.contains("TLS handshake did not finish") == true, "\(error?.description ?? "")")
        let partial = try #require(error?.partialResult)
        #expect(partial.connections?.opened == 0)
        #expect((partial.connections?.failed ?? 0) > 0)
    }

    @Test func connectToKeepsTheNameForSNIHostAndVerification() async throws {
        defer { certificates.remove() }
        let server = try await TestHTTPServer(tls: certificates)
        // tuner.test resolves nowhere: only --connect-to reaches the server, and the certificate verifies only
        // against the name, so a success proves the name was kept for verification.
        let url = "https://\(TestCertificates.serverName):8443"
        let result = try await LoadEngine.run(try Self.plan(
            url, tls: TLSSettings(caFile: certificates.caFile), connectTo: ["\(TestCertificates.serverName):8443:127.0.0.1:\(server.port)"]))
        try await server.stop()
        #expect(result.overall.count > 10)
        #expect(result.overall.errors.isEmpty, "\(result.overall.errors) \(result.notes)")
        #expect(Set(server.sniNames) == [TestCertificates.serverName])
        #expect(Set(server.hosts) == ["\(TestCertificates.serverName):8443"])
        #expect(result.configuration.connectTo == ["tuner.test:8443:127.0.0.1:\(server.port)"])
    }

    @Test func aGivenHostHeaderReplacesTheURLsOnTheWire() async throws {
        defer { certificates.remove() }
        let server = try await TestHTTPServer()
        let result = try await LoadEngine.run(try Self.plan(server.url, headers: [HeaderField("Host", "shop.example.com")]))
        try await server.stop()
        #expect(result.overall.count > 10)
        #expect(Set(server.hosts) == ["shop.example.com"], "one Host header, the given one")
    }

    @Test func connectToParsing() throws {
        let mapping = try ConnectTo(parsing: "shop.example.com:443:[::1]:8443")
        #expect(mapping.destination(host: "SHOP.example.com", port: 443)! == ("::1", 8443))
        #expect(mapping.destination(host: "other.example.com", port: 443) == nil)
        let any = try ConnectTo(parsing: "::127.0.0.1:")
        #expect(any.destination(host: "a.b", port: 80)! == ("127.0.0.1", 80))
        #expect(throws: LoadError.self) { try ConnectTo(parsing: "a:443:b") }
        #expect(throws: LoadError.self) { try ConnectTo(parsing: "a:99999:b:1") }
        defer { certificates.remove() }
    }
}
