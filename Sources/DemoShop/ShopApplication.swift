import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// Builds the demo shop: a Hummingbird application with its pool (and audit buffer) as services.
public enum ShopApplication {
    /// The application for `configuration`. Run it with `runService()` (graceful shutdown on SIGTERM and
    /// SIGINT: in-flight requests finish, then buffered audit rows are written, then the pool closes),
    /// or inside a `ServiceGroup` of your own.
    ///
    /// - Parameter onListening: called with the port once the server accepts connections (the pre-warmed
    ///   pool is open by then).
    public static func make(
        configuration: ShopConfiguration,
        logger: Logger,
        onListening: @escaping @Sendable (Int) async -> Void = { _ in }
    ) throws -> some ApplicationProtocol {
        let services = try ShopServices(configuration: configuration, logger: logger)
        let router = Router()
        router.add(middleware: RouteMetricsMiddleware(metrics: services.metrics))
        ProductRoutes(services: services).register(on: router)
        OrderRoutes(services: services).register(on: router)
        ReportRoutes(services: services).register(on: router)
        OperationsRoutes(services: services).register(on: router)

        // Services stop in reverse order: the server first, then the audit buffer, then the pool.
        var background: [any Service] = [services.database]
        if let buffered = services.bufferedAudit { background.append(buffered) }
        var application = Application(
            router: router,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port),
                                 serverName: "demo-shop"),
            services: background,
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? configuration.port) },
            logger: logger)
        application.beforeServerStarts {
            try await services.database.prewarm()
            logger.info("demo-shop ready: \(configuration.summary)")
        }
        return application
    }
}
