import ArgumentParser
import DemoShop
import DemoShopData
import Foundation
import Hummingbird
import Logging

@main
struct DemoShopMain: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo-shop",
        abstract: "The demo shop service (Hummingbird + PostgresNIO) that Tuner tunes.",
        discussion: """
            Prints one line, 'listening on http://HOST:PORT', to stdout once it serves; logs go to stderr.
            SIGTERM or SIGINT shut it down gracefully: in-flight requests finish, buffered audit rows are written.

            Every practice can also be set by environment: SHOP_MODE, SHOP_BATCHED_LOADING,
            SHOP_KEYSET_PAGINATION, SHOP_CACHE, SHOP_PREWARMED_POOL, SHOP_COMPRESSION, SHOP_BUFFERED_AUDIT
            (on/off), SHOP_POOL_SIZE, SHOP_MAX_PAGE_SIZE, CACHE_TTL, BUFFER_FLUSH_INTERVAL, BUFFER_SIZE_LIMIT,
            DATABASE_URL. Flags win over the environment.
            """
    )

    @Option(name: .long, help: "PostgreSQL URL (postgres://user@host:5432/db); default: DATABASE_URL.")
    var db: String?

    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on; 0 picks a free one (see the 'listening on' line).")
    var port = 8080

    @Option(help: "naive (the guides' 'before') or tuned (their 'after'); sets every practice's default.")
    var mode: ShopMode?

    @Flag(inversion: .prefixedNo, help: "Load order lines in one query instead of one per order (N+1).")
    var batchedLoading: Bool?

    @Flag(inversion: .prefixedNo, help: "Keyset pagination with a capped page size instead of OFFSET.")
    var keysetPagination: Bool?

    @Flag(inversion: .prefixedNo, help: "Cache product reads and the report in process (TTL, dropped on writes).")
    var cache: Bool?

    @Flag(inversion: .prefixedNo, help: "Open --pool-size connections at start instead of 2 on demand.")
    var prewarmedPool: Bool?

    @Flag(inversion: .prefixedNo, help: "gzip bodies over 1 KB for clients that accept it.")
    var compression: Bool?

    @Flag(inversion: .prefixedNo, help: "Buffer audit rows and write them in batches instead of one INSERT each.")
    var bufferedAudit: Bool?

    @Option(help: "Connections of the pre-warmed pool (default 8).")
    var poolSize: Int?

    @Option(help: "How long cached reads stay fresh, e.g. 30s (default 30s).")
    var cacheTtl: String?

    @Option(help: "Write buffered audit rows at least this often, e.g. 1s (default 1s).")
    var bufferFlushInterval: String?

    @Option(help: "Write buffered audit rows once this many wait (default 500).")
    var bufferSizeLimit: Int?

    @Flag(help: "Drop and recreate the shop's tables and load generated data before serving.")
    var seed = false

    @Flag(help: "Seed (as --seed) and exit without serving.")
    var seedOnly = false

    @Option(help: "Seed scale: 1 is tiny (tests), 2000 about a million order lines (the demo).")
    var scale = SeedScale.demo.factor

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .info

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0 to 65535") }
        guard scale >= 1 else { throw ValidationError("--scale must be at least 1") }
        if let poolSize, poolSize < 1 { throw ValidationError("--pool-size must be at least 1") }
        if let bufferSizeLimit, bufferSizeLimit < 1 { throw ValidationError("--buffer-size-limit must be at least 1") }
        _ = try makeConfiguration()
    }

    func run() async throws {
        let level = logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "demo-shop")
        let configuration = try makeConfiguration()
        if seed || seedOnly {
            try await seedDatabase(url: configuration.databaseURL)
            if seedOnly { return }
        }
        do {
            try await ShopApplication.checkDatabase(url: configuration.databaseURL)
        } catch {
            FileHandle.standardError.write(Data("demo-shop: \(error)\n".utf8))
            throw ExitCode(1)
        }
        let application = try ShopApplication.make(configuration: configuration, logger: logger) { port in
            FileHandle.standardOutput.write(Data("listening on http://\(configuration.host):\(port)\n".utf8))
        }
        try await application.runService()
    }

    private func seedDatabase(url: String) async throws {
        let scale = SeedScale(scale)
        FileHandle.standardError.write(Data("seeding \(scale)\n".utf8))
        do {
            let summary = try await ShopSeeder.seed(url: url, scale: scale) { progress in
                FileHandle.standardError.write(Data("seed: \(progress.description)\n".utf8))
            }
            FileHandle.standardError.write(Data("\(summary)\n".utf8))
        } catch {
            FileHandle.standardError.write(Data("demo-shop: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }

    /// Environment first, flags over it; `--mode` replaces `SHOP_MODE`.
    func makeConfiguration() throws -> ShopConfiguration {
        var environment = ProcessInfo.processInfo.environment
        if let mode { environment["SHOP_MODE"] = mode.rawValue }
        var configuration = ShopConfiguration(databaseURL: db ?? "", host: host, port: port)
        do {
            try configuration.apply(environment: environment)
            if let cacheTtl { configuration.cacheTTL = try ShopConfiguration.parseDuration(cacheTtl, name: "--cache-ttl") }
            if let bufferFlushInterval {
                configuration.auditFlushInterval = try ShopConfiguration.parseDuration(
                    bufferFlushInterval, name: "--buffer-flush-interval")
            }
        } catch {
            throw ValidationError(error.description)
        }
        let switches: [(Bool?, WritableKeyPath<ShopPractices, Bool>)] = [
            (batchedLoading, \.batchedLoading), (keysetPagination, \.keysetPagination), (cache, \.cache),
            (prewarmedPool, \.prewarmedPool), (compression, \.compression), (bufferedAudit, \.bufferedAudit),
        ]
        for (value, keyPath) in switches { if let value { configuration.practices[keyPath: keyPath] = value } }
        if let poolSize { configuration.poolSize = poolSize }
        if let bufferSizeLimit { configuration.auditBufferLimit = bufferSizeLimit }
        guard !configuration.databaseURL.isEmpty else {
            throw ValidationError("no database: pass --db postgres://user@host:5432/db or set DATABASE_URL")
        }
        return configuration
    }
}

extension ShopMode: ExpressibleByArgument {}
extension Logger.Level: @retroactive ExpressibleByArgument {}
