import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import DemoShopData
import Testing
import TunerTestSupport

@testable import DemoShop
@testable import EmbeddedPostgres

/// Helpers shared by the shop's tests.
enum ShopTest {
    static var logger: Logger {
        var logger = Logger(label: "demo-shop-test")
        logger.logLevel = .warning
        return logger
    }

    /// A fresh database with the tiny (or given) scale loaded; returns its URL.
    static func seededDatabase(scale: SeedScale = .tiny) async throws -> String {
        let cluster = try SuiteCluster.cluster
        let name = "shop_" + UUID().uuidString.prefix(8).lowercased()
        let url = try await cluster.createDatabase(name)
        try await ShopSeeder.seed(url: url, scale: scale)
        return url
    }

    /// The database name at the end of a cluster URL.
    static func databaseName(_ url: String) -> String { String(url.split(separator: "/").last ?? "") }

    /// Runs SQL in the test's database as the superuser; returns psql's unaligned output, trimmed.
    @discardableResult
    static func sql(_ sql: String, in url: String) async throws -> String {
        try await SuiteCluster.cluster.psql(sql, database: databaseName(url))
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func integer(_ query: String, in url: String) async throws -> Int {
        let text = try await sql(query, in: url)
        return try #require(Int(text), "expected a number from \(query), got '\(text)'")
    }

    /// A configuration for `mode` on `url`, listening on a free port.
    static func configuration(_ mode: ShopMode, url: String) -> ShopConfiguration {
        var configuration = ShopConfiguration(databaseURL: url, mode: mode, port: 0)
        configuration.poolSize = 4
        return configuration
    }

    /// Runs the shop live (real HTTP on 127.0.0.1) for `body`, then shuts it down gracefully.
    static func withShop<T: Sendable>(
        _ configuration: ShopConfiguration, _ body: @Sendable (any TestClientProtocol) async throws -> T
    ) async throws -> T {
        let application = try ShopApplication.make(configuration: configuration, logger: logger)
        return try await application.test(.live, body)
    }
}

extension TestClientProtocol {
    /// GET `uri`; the body as a string.
    func get(_ uri: String, headers: HTTPFields = [:]) async throws -> TestResponse {
        try await execute(uri: uri, method: .get, headers: headers)
    }

    /// POST a JSON text.
    func post(_ uri: String, json: String) async throws -> TestResponse {
        try await execute(uri: uri, method: .post, headers: [.contentType: "application/json"],
                          body: ByteBuffer(string: json))
    }
}

extension TestResponse {
    var text: String { String(buffer: body) }

    /// The body parsed as a JSON object.
    var object: [String: Any] {
        get throws {
            let value = try JSONSerialization.jsonObject(with: Data(buffer: body))
            return try #require(value as? [String: Any], "expected a JSON object, got \(text.prefix(200))")
        }
    }
}

extension ShopTest {
    /// Runs `count` copies of `body` at once, each on its own HTTP connection to the live shop (one
    /// connection serves its requests one after another).
    static func concurrently(
        _ count: Int, port: Int?, _ body: @escaping @Sendable (Int, TestClient) async throws -> Void
    ) async throws {
        let port = try #require(port, "a live shop has a port")
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<count {
                group.addTask {
                    try await TestClient.withClient(host: "127.0.0.1", port: port) { client in
                        try await body(index, client)
                    }
                }
            }
            try await group.waitForAll()
        }
    }
}

extension ShopTest {
    /// The value of one series (`name{labels}` exactly as exported) in a Prometheus text page.
    static func metric(_ series: String, in page: String) -> Double? {
        for line in page.split(separator: "\n") where line.hasPrefix(series + " ") {
            return Double(line.dropFirst(series.count + 1))
        }
        return nil
    }
}
