import Synchronization

/// `--metrics-listen ADDR:PORT`: a Prometheus endpoint (`GET /metrics`) served while a run goes on, on a thread of
/// its own (never one of the engine's event loops). The page is replaced once a second; a scrape reads it whole.
public final class MetricsServer: Sendable {
    private let page = MetricsPage()
    private let server: SmallHTTPServer
    /// Where it listens (the port the system chose when 0 was asked for).
    public var address: String { server.address }

    /// Listens on `listen` (`HOST:PORT`); a port in use or a bad address is a one-line usage error.
    public init(listen: String) async throws {
        let page = self.page
        server = try await SmallHTTPServer(listen: listen, option: "--metrics-listen") { method, path, _ in
            guard method == .GET && (path == "/metrics" || path == "/") else { return (.notFound, "text/plain", "not found: try /metrics\n") }
            return (.ok, "text/plain; version=0.0.4; charset=utf-8", page.get())
        }
    }

    /// Replaces what `/metrics` serves.
    public func update(_ exposition: String) {
        page.set(exposition)
    }

    public func stop() async {
        await server.stop()
    }
}

/// The page `/metrics` serves, shared by the server and the run that updates it.
private final class MetricsPage: Sendable {
    private let text = Mutex("")
    func set(_ value: String) { text.withLock { $0 = value } }
    func get() -> String { text.withLock { $0 } }
}
