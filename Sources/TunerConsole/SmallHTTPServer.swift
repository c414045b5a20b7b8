import NIOCore
import NIOHTTP1
import NIOPosix

/// A small HTTP/1.1 server on a thread of its own (never one of the engine's event loops), for Tuner's own endpoints:
/// `--metrics-listen`'s `/metrics` and a shard's start barrier. `answer` turns a request (method, path, body) into a
/// status, a content type and a body.
final class SmallHTTPServer: Sendable {
    typealias Answer = @Sendable (_ method: HTTPMethod, _ path: String, _ body: String) -> (HTTPResponseStatus, String, String)

    private let group: MultiThreadedEventLoopGroup
    private let channel: any Channel
    /// Where it listens (the port the system chose when 0 was asked for).
    let address: String

    /// Listens on `listen` (`HOST:PORT`); a port in use or a bad address is a one-line usage error naming `option`.
    init(listen: String, option: String, answer: @escaping Answer) async throws {
        let address = try ListenAddress(listen, option: option)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        do {
            channel = try await ServerBootstrap(group: group)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                        try channel.pipeline.syncOperations.addHandler(SmallHTTPHandler(answer: answer))
                    }
                }
                .bind(host: address.host, port: address.port).get()
        } catch {
            try? await group.shutdownGracefully()
            throw ToolError.usage("\(option) \(listen): cannot listen there (\(error))")
        }
        self.group = group
        self.address = address.described(port: channel.localAddress?.port)
    }

    func stop() async {
        try? await channel.close()
        try? await group.shutdownGracefully()
    }
}

private final class SmallHTTPHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let answer: SmallHTTPServer.Answer
    private var head: HTTPRequestHead?
    private var body = ""

    init(answer: @escaping SmallHTTPServer.Answer) { self.answer = answer }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            body = ""
        case .body(let buffer):
            if body.utf8.count < 4096 { body += String(buffer: buffer) }
        case .end:
            guard let head else { return }
            let path = head.uri.split(separator: "?").first.map(String.init) ?? head.uri
            let (status, contentType, text) = answer(head.method, path, body)
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: contentType)
            headers.add(name: "Content-Length", value: String(text.utf8.count))
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: headers))), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: text)))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
    }
}
