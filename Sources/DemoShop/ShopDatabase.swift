import DemoShopData
import Logging
import NIOConcurrencyHelpers
import PostgresNIO
import ServiceLifecycle

/// The shop's connection pool: a `PostgresClient` plus the counts `/metrics` reports
/// (connections in use, idle, and requests waiting for one).
final class ShopDatabase: Service, Sendable {
    let client: PostgresClient
    let logger: Logger
    let maximumConnections: Int
    private let isPrewarmed: Bool
    private let counts = NIOLockedValueBox(Counts())
    private let openConnections = NIOLockedValueBox(Set<String>())

    /// What the pool is doing right now.
    struct Counts: Sendable, Equatable {
        var inUse = 0
        var waiting = 0
    }

    /// The `application_name` the shop's connections carry.
    static let applicationName = "demo-shop"

    init(configuration: ShopConfiguration, logger: Logger) throws {
        var pool = try PostgresClient.Configuration.shop(url: configuration.databaseURL,
                                                         applicationName: Self.applicationName)
        maximumConnections = configuration.effectivePoolSize
        isPrewarmed = configuration.practices.prewarmedPool
        pool.options.maximumConnections = maximumConnections
        // The tuned pool keeps every connection open; the naive one opens them on demand.
        pool.options.minimumConnections = isPrewarmed ? maximumConnections : 0
        // PostgresClient reports connection opens and closes only to its background logger, so a
        // handler there is how the shop learns how many connections are open (connecting included).
        let counter = PoolEventCounter(open: openConnections)
        let background = Logger(label: "demo-shop.pool") { _ in counter }
        client = PostgresClient(configuration: pool, backgroundLogger: background)
        self.logger = logger
    }

    func run() async throws {
        await client.run()
    }

    /// The pool's counts: connections open, in use, and callers waiting.
    var snapshot: (open: Int, inUse: Int, waiting: Int) {
        let current = counts.withLockedValue { $0 }
        return (openConnections.withLockedValue { $0.count }, current.inUse, current.waiting)
    }

    /// Leases a connection for `body`, counting the wait and the use.
    func withConnection<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        counts.withLockedValue { $0.waiting += 1 }
        var leased = false
        defer {
            counts.withLockedValue {
                if leased { $0.inUse -= 1 } else { $0.waiting -= 1 }
            }
        }
        return try await client.withConnection { connection in
            counts.withLockedValue {
                $0.waiting -= 1
                $0.inUse += 1
            }
            leased = true
            return try await body(connection)
        }
    }

    /// Runs `body` between BEGIN and COMMIT on `connection` (ROLLBACK when it throws).
    func inTransaction<T: Sendable>(on connection: PostgresConnection, _ body: () async throws -> T)
        async throws -> T
    {
        try await connection.query("BEGIN", logger: logger)
        do {
            let result = try await body()
            try await connection.query("COMMIT", logger: logger)
            return result
        } catch {
            _ = try? await connection.query("ROLLBACK", logger: logger)
            throw error
        }
    }

    /// What each pre-warmed connection runs once: a plan over every table (and so every index) the requests read, so
    /// that the backend's catalog caches are loaded before the first request rather than by it (`SELECT 1` would
    /// only open the connection). It reads no row (id 0 does not exist).
    static let warmUpStatement: PostgresQuery = """
        SELECT (SELECT count(*) FROM customers WHERE id = 0) + (SELECT count(*) FROM orders WHERE customer_id = 0)
            + (SELECT count(*) FROM order_items i JOIN products p ON p.id = i.product_id WHERE i.order_id = 0)
            + (SELECT count(*) FROM reviews WHERE product_id = 0) AS n
        """

    /// Opens every connection of a pre-warmed pool before the first request: each of `maximumConnections`
    /// callers holds its lease until all have one, so the pool cannot serve two of them on one connection.
    func prewarm() async throws {
        guard isPrewarmed else { return }
        let latch = CountdownLatch(count: maximumConnections)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<maximumConnections {
                group.addTask {
                    var arrived = false
                    do {
                        try await self.withConnection { connection in
                            try await connection.query(Self.warmUpStatement, logger: self.logger)
                            arrived = true
                            await latch.arriveAndWait()
                        }
                    } catch {
                        // Arrive anyway, or the others would wait for this one forever.
                        if !arrived { await latch.arriveAndWait() }
                        throw error
                    }
                }
            }
            try await group.waitForAll()
        }
    }
}

/// Follows the connections `PostgresClient` opens and closes, from the messages its pool logs at debug
/// level ("Creating new connection", "Connection creation failed", "Connection closed", each with the
/// connection's id).
struct PoolEventCounter: LogHandler {
    /// Shared by every copy of the handler (loggers copy their handler).
    let open: NIOLockedValueBox<Set<String>>
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .debug

    init(open: NIOLockedValueBox<Set<String>>) {
        self.open = open
    }

    func log(event: LogEvent) {
        guard let id = event.metadata?["psql_connection_id"]?.description else { return }
        switch event.message.description {
        case "Creating new connection": _ = open.withLockedValue { $0.insert(id) }
        case "Connection creation failed", "Connection closed": _ = open.withLockedValue { $0.remove(id) }
        default: break
        }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
}
