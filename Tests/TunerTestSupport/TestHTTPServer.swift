import CompressNIO
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// The one local HTTP server of the tests (the engine's and the `tuner` binary's): a real HTTP/1.1 server
/// (NIOHTTP1) on 127.0.0.1, port 0. Paths choose the answer:
/// `/status/503`, `/delay/100` (ms), `/close` (Connection: close), `/chunked`, `/big/1000000`, `/good/2000` (gzip when
/// accepted, ETag, Cache-Control),
/// `/stall/4000/1000` (the server stalls for the last 1000 ms of every 4000 ms since it started: a request
/// arriving in a stall is answered when it ends, any other at once), `/slowafter/6000/2000` (answered at once
/// until 6 s after the first request of that kind, then each 2 s late), `/work/40` (holds one of the server's
/// `slots` for 40 ms, waiting in line when all are taken: capacity slots / 0.04 s requests/s),
/// `/limit/150` (503 once more than 3 × 150 requests arrived in the last 3 seconds), anything else `200 hello\n`. A `Misbehaviour` makes the whole server misbehave instead.
public final class TestHTTPServer: Sendable {
    public enum Misbehaviour: Sendable, Equatable {
        /// Accepts and closes at once.
        case closeImmediately
        /// Answers every request with bytes that are not HTTP.
        case garbage
        /// Reads requests and never answers.
        case silent
        /// Reads the first bytes (a request, or a TLS ClientHello) and resets the connection.
        case resetOnFirstBytes
    }

    public let port: Int
    /// Time zero of the `/stall` schedule.
    public let startedAt: NIODeadline
    private let group: MultiThreadedEventLoopGroup
    private let channel: any Channel
    private let seen = LockedBox<[String]>([])
    private let bodies = LockedBox<[ReceivedBody]>([])
    private let received = LockedBox(0)
    private let hostHeaders = LockedBox<[String]>([])
    private let serverNames = LockedBox<[String]>([])
    /// True when the server speaks HTTPS (with the certificates it was given).
    public let isTLS: Bool

    /// Paths of the requests received so far (at most 10,000 kept).
    public var paths: [String] { seen.withLockedValue { $0 } }
    /// A request's body as received: its length, its first 1,024 bytes, and the Content-Length it declared (nil: none).
    public struct ReceivedBody: Sendable, CustomStringConvertible {
        public let length: Int
        public let body: String
        public let contentLength: Int?
        public var description: String { "\(length) bytes, Content-Length \(contentLength.map(String.init) ?? "none"): \(body)" }
    }
    /// The bodies of the requests received so far (at most 10,000 kept).
    public var requestBodies: [ReceivedBody] { bodies.withLockedValue { $0 } }
    /// Requests received so far (a test waits for the load to have begun instead of sleeping a guess).
    public var requestCount: Int { received.withLockedValue { $0 } }
    /// The `Host` headers of the requests received (at most 10,000 kept).
    public var hosts: [String] { hostHeaders.withLockedValue { $0 } }
    /// HTTPS: the SNI names clients sent (an empty string for a handshake without one).
    public var sniNames: [String] { serverNames.withLockedValue { $0 } }

    /// A server on a free port; with `tls`, an HTTPS server presenting `tls`'s server certificate.
    public init(misbehaviour: Misbehaviour? = nil, slots: Int = 4, tls: TestCertificates? = nil) async throws {
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let service = ServiceModel(slots: slots)
        let seen = self.seen
        let bodies = self.bodies
        let received = self.received
        let hostHeaders = self.hostHeaders
        let serverNames = self.serverNames
        isTLS = tls != nil
        let sslContext: NIOSSLContext? = try tls.map { certificates in
            var configuration = TLSConfiguration.makeServerConfiguration(
                certificateChain: try NIOSSLCertificate.fromPEMFile(certificates.serverCertificateFile).map { .certificate($0) },
                privateKey: .privateKey(try NIOSSLPrivateKey(file: certificates.serverKeyFile, format: .pem)))
            configuration.sslContextCallback = { values, promise in
                serverNames.withLockedValue { $0.append(values.serverHostname ?? "") }
                promise.succeed(NIOSSLContextConfigurationOverride())
            }
            return try NIOSSLContext(configuration: configuration)
        }
        let startedAt = NIODeadline.now()
        self.startedAt = startedAt
        channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    if let sslContext, misbehaviour != .closeImmediately, misbehaviour != .resetOnFirstBytes {
                        try sync.addHandler(NIOSSLServerHandler(context: sslContext))
                    }
                    switch misbehaviour {
                    case .closeImmediately:
                        channel.close(promise: nil)
                    case .garbage:
                        try sync.addHandler(GarbageHandler())
                    case .silent:
                        break
                    case .resetOnFirstBytes:
                        try sync.addHandler(ResetHandler())
                    case nil:
                        try sync.configureHTTPServerPipeline()
                        try sync.addHandler(BehaviourHandler(
                            seen: seen, bodies: bodies, received: received, hosts: hostHeaders, startedAt: startedAt, service: service))
                    }
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        port = channel.localAddress?.port ?? 0
    }

    public var url: String { "\(isTLS ? "https" : "http")://127.0.0.1:\(port)" }

    public func stop() async throws {
        try await channel.close()
        try await group.shutdownGracefully()
    }

    /// Stops the server without waiting for it (for a `defer` in a test that runs the binary against it).
    public func stopInBackground() {
        channel.close(promise: nil)
        group.shutdownGracefully { _ in }
    }
}

private final class GarbageHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: "SSH-2.0-OpenSSH_9.2\r\nnot http at all\r\n\r\n")), promise: nil)
    }
}

private final class ResetHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // SO_LINGER 0: the close sends a reset instead of a FIN.
        let channel = context.channel
        guard let provider = channel as? any SocketOptionProvider else {
            channel.close(promise: nil)
            return
        }
        provider.setSoLinger(linger(l_onoff: 1, l_linger: 0)).whenComplete { _ in channel.close(promise: nil) }
    }
}

private final class BehaviourHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let seen: LockedBox<[String]>
    let bodies: LockedBox<[TestHTTPServer.ReceivedBody]>
    let received: LockedBox<Int>
    let hosts: LockedBox<[String]>
    let startedAt: NIODeadline
    let service: ServiceModel
    private var head: HTTPRequestHead?
    private var bodyLength = 0
    private var bodyPrefix: [UInt8] = []

    init(
        seen: LockedBox<[String]>, bodies: LockedBox<[TestHTTPServer.ReceivedBody]>, received: LockedBox<Int>, hosts: LockedBox<[String]>,
        startedAt: NIODeadline, service: ServiceModel
    ) {
        self.hosts = hosts
        self.seen = seen
        self.bodies = bodies
        self.received = received
        self.startedAt = startedAt
        self.service = service
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            bodyLength = 0
            bodyPrefix = []
        case .body(let buffer):
            bodyLength += buffer.readableBytes
            if bodyPrefix.count < 1024 { bodyPrefix += buffer.readableBytesView.prefix(1024 - bodyPrefix.count) }
        case .end:
            guard let head else { return }
            received.withLockedValue { $0 += 1 }
            let host = head.headers["Host"].joined(separator: " | ")
            hosts.withLockedValue { if $0.count < 10_000 { $0.append(host) } }
            seen.withLockedValue { if $0.count < 10_000 { $0.append(head.uri) } }
            let body = TestHTTPServer.ReceivedBody(length: bodyLength, body: String(decoding: bodyPrefix, as: UTF8.self),
                                                   contentLength: head.headers["Content-Length"].first.flatMap { Int($0) })
            bodies.withLockedValue { if $0.count < 10_000 { $0.append(body) } }
            answer(head, context: context)
        }
    }

    private func answer(_ head: HTTPRequestHead, context: ChannelHandlerContext) {
        // /list/CAP?limit=N: a JSON list of min(N, CAP) items (CAP 0: as many as asked).
        if head.uri.hasPrefix("/list/"), let components = URLComponents(string: head.uri),
           let cap = Int(components.path.dropFirst("/list/".count)) {
            let asked = components.queryItems?.first { $0.name == "limit" }?.value.flatMap(Int.init) ?? 20
            let count = cap == 0 ? asked : min(asked, cap)
            let items = (0..<count).map { "{\"id\":\($0),\"name\":\"item \($0)\"}" }
            respond(context, status: .ok, body: "[" + items.joined(separator: ",") + "]")
            return
        }
        let parts = head.uri.split(separator: "/").map(String.init)
        let loop = context.eventLoop.assumeIsolated()
        switch (parts.first, parts.count > 1 ? Int(parts[1]) : nil) {
        case ("status", let code?):
            respond(context, status: .init(statusCode: code), body: "status \(code)\n")
        case ("delay", let ms?):
            loop.scheduleTask(in: .milliseconds(Int64(ms))) { self.respond(context, status: .ok, body: "late\n") }
        case ("stall", let period?) where parts.count > 2:
            let stall = Int64(parts[2]) ?? 0
            let sinceStart = (NIODeadline.now() - startedAt).nanoseconds / 1_000_000
            let phase = sinceStart % Int64(period)
            if phase >= Int64(period) - stall {
                loop.scheduleTask(in: .milliseconds(Int64(period) - phase)) { self.respond(context, status: .ok, body: "stalled\n") }
            } else {
                respond(context, status: .ok, body: "hello\n")
            }
        case ("slowafter", let after?) where parts.count > 2:
            // Fine until `after` ms since the first request this server saw, then every answer `parts[2]` ms late:
            // a service that degrades partway through a run, whenever the run started.
            let delay = Int64(parts[2]) ?? 0
            if service.millisSinceFirstArrival() < Int64(after) {
                respond(context, status: .ok, body: "hello\n")
            } else {
                loop.scheduleTask(in: .milliseconds(delay)) { self.respond(context, status: .ok, body: "slow\n") }
            }
        case ("work", let ms?):
            // Runs on the server's only event loop, like the slots' bookkeeping.
            service.acquire {
                loop.scheduleTask(in: .milliseconds(Int64(ms))) {
                    self.respond(context, status: .ok, body: "worked\n")
                    self.service.release()
                }
            }
        case ("limit", let perSecond?):
            if service.arrival() > perSecond * ServiceModel.limitWindowSeconds {
                respond(context, status: .serviceUnavailable, body: "over the limit\n")
            } else {
                respond(context, status: .ok, body: "hello\n")
            }
        case ("close", _):
            respond(context, status: .ok, body: "bye\n", headers: ["Connection": "close"])
        case ("chunked", _):
            var headers = HTTPHeaders()
            headers.add(name: "Transfer-Encoding", value: "chunked")
            context.write(wrapOutboundOut(.head(.init(version: .http1_1, status: .ok, headers: headers))), promise: nil)
            for piece in ["one ", "two ", "three\n"] {
                context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: piece)))), promise: nil)
            }
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        case ("good", let size?):
            // What a well-behaved service sends: gzip when asked, a validator and a cache policy, keep-alive.
            let body = ByteBuffer(repeating: 0x61, count: size)
            var headers = HTTPHeaders()
            var payload = body
            if head.headers["Accept-Encoding"].contains(where: { $0.contains("gzip") }), var plain = Optional(body),
               let compressed = try? plain.compress(with: .gzip()) {
                payload = compressed
                headers.add(name: "Content-Encoding", value: "gzip")
            }
            headers.add(name: "Content-Length", value: String(payload.readableBytes))
            headers.add(name: "ETag", value: "\"good-\(size)\"")
            headers.add(name: "Cache-Control", value: "public, max-age=60")
            context.write(wrapOutboundOut(.head(.init(version: .http1_1, status: .ok, headers: headers))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(payload))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        case ("big", let size?):
            var headers = HTTPHeaders()
            headers.add(name: "Content-Length", value: String(size))
            context.write(wrapOutboundOut(.head(.init(version: .http1_1, status: .ok, headers: headers))), promise: nil)
            let block = ByteBuffer(repeating: 0x61, count: 1 << 16)
            var left = size
            while left > 0 {
                let n = min(left, block.readableBytes)
                context.write(wrapOutboundOut(.body(.byteBuffer(block.getSlice(at: 0, length: n)!))), promise: nil)
                left -= n
            }
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        default:
            respond(context, status: .ok, body: "hello\n")
        }
    }

    private func respond(
        _ context: ChannelHandlerContext, status: HTTPResponseStatus, body: String, headers extra: [String: String] = [:]
    ) {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Length", value: String(body.utf8.count))
        for (name, value) in extra { headers.add(name: name, value: value) }
        context.write(wrapOutboundOut(.head(.init(version: .http1_1, status: status, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: body)))), promise: nil)
        let close = extra["Connection"] == "close"
        context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in
            if close { context.close(promise: nil) }
        }
    }
}

/// A service of known capacity: `slots` requests at once, the rest in line (first come, first served), and
/// an arrival counter over the last second. Touched only on the server's single event loop.
final class ServiceModel: @unchecked Sendable {
    // @unchecked: every use is on the server's one event loop thread.
    let slots: Int
    private var busy = 0
    private var line: [() -> Void] = []
    private var arrivals: [NIODeadline] = []
    private var oldest = 0
    private var firstArrival: NIODeadline?

    init(slots: Int) { self.slots = slots }

    func acquire(_ start: @escaping () -> Void) {
        if busy < slots {
            busy += 1
            start()
        } else {
            line.append(start)
        }
    }

    func release() {
        if line.isEmpty {
            busy -= 1
        } else {
            line.removeFirst()()
        }
    }

    /// The window `/limit/N` counts arrivals over (N per second on average over it): a few seconds, so that a
    /// generator that stalls for a moment and then catches up (a busy machine) is not mistaken for a faster one.
    static let limitWindowSeconds = 3

    /// Milliseconds since the first request that asked (the first call starts the clock).
    func millisSinceFirstArrival() -> Int64 {
        let now = NIODeadline.now()
        if firstArrival == nil { firstArrival = now }
        return (now - firstArrival!).nanoseconds / 1_000_000
    }

    /// Records an arrival and returns how many arrived in the last `limitWindowSeconds`, this one included.
    func arrival() -> Int {
        let now = NIODeadline.now()
        arrivals.append(now)
        while oldest < arrivals.count, now - arrivals[oldest] > .seconds(Int64(Self.limitWindowSeconds)) { oldest += 1 }
        if oldest > 10_000 {
            arrivals.removeFirst(oldest)
            oldest = 0
        }
        return arrivals.count - oldest
    }
}

/// A value behind a lock, shared between a server's event loop or a test's thread and the test.
public final class LockedBox<Value: Sendable>: @unchecked Sendable {
    // @unchecked: every access to `value` holds `lock`.
    private let lock = NSLock()
    private var value: Value

    public init(_ value: Value) { self.value = value }

    public func withLockedValue<T>(_ body: (inout Value) -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body(&value)
    }

    public func set(_ newValue: Value) { withLockedValue { $0 = newValue } }
    public func get() -> Value { withLockedValue { $0 } }
}
