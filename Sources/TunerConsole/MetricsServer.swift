import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// `--metrics-listen ADDR:PORT`: a Prometheus endpoint (`GET /metrics`) served while a run goes on, on a thread of
/// its own (never one of the engine's event loops). The page is replaced once a second; a scrape reads it whole.
public final class MetricsServer: Sendable {
    private let page = MetricsPage()
    private let group: MultiThreadedEventLoopGroup
    private let channel: any Channel
    /// Where it listens (the port the system chose when 0 was asked for).
    public let address: String

    /// Listens on `listen` (`HOST:PORT`); a port in use or a bad address is a one-line usage error.
    public init(listen: String) async throws {
        guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]),
              (0...65535).contains(port)
        else {
            throw ToolError.usage("--metrics-listen '\(listen)': write HOST:PORT, e.g. 127.0.0.1:9464")
        }
        var host = String(listen[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if host.isEmpty { host = "0.0.0.0" }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let page = self.page
        do {
            channel = try await ServerBootstrap(group: group)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                        try channel.pipeline.syncOperations.addHandler(MetricsHandler(page: page))
                    }
                }
                .bind(host: host, port: port).get()
        } catch {
            try? await group.shutdownGracefully()
            throw ToolError.usage("--metrics-listen \(listen): cannot listen there (\(error))")
        }
        self.group = group
        let bound = channel.localAddress?.port ?? port
        address = "\(host.contains(":") ? "[\(host)]" : host):\(bound)"
    }

    /// Replaces what `/metrics` serves.
    public func update(_ exposition: String) {
        page.set(exposition)
    }

    public func stop() async {
        try? await channel.close()
        try? await group.shutdownGracefully()
    }
}

private final class MetricsHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let page: MetricsPage
    private var head: HTTPRequestHead?

    init(page: MetricsPage) { self.page = page }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): self.head = head
        case .body: break
        case .end:
            guard let head else { return }
            let path = head.uri.split(separator: "?").first.map(String.init) ?? head.uri
            let found = head.method == .GET && (path == "/metrics" || path == "/")
            let body = found ? page.get() : "not found: try /metrics\n"
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: found ? "text/plain; version=0.0.4; charset=utf-8" : "text/plain")
            headers.add(name: "Content-Length", value: String(body.utf8.count))
            context.write(wrapOutboundOut(.head(HTTPResponseHead(
                version: head.version, status: found ? .ok : .notFound, headers: headers))), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: body)))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
    }
}

/// The page `/metrics` serves, shared by the server and the run that updates it.
private final class MetricsPage: Sendable {
    private let text = Mutex("")
    func set(_ value: String) { text.withLock { $0 = value } }
    func get() -> String { text.withLock { $0 } }
}
