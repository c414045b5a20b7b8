import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// A small API that answers 2xx only to traffic that behaves like its client (the flow tests' target): log in
/// with a user and password it knows, carry the token it gave, read back the order it created by the id it gave,
/// send the session cookie it set. Anything else is a 401 or 404, so a broken capture, data row or cookie jar
/// shows up in the status codes.
///
/// - `POST /login` body `{"user": U, "password": P}` → 200 `{"token": T, "user": {"name": U}}`, `Set-Cookie:
///   session=S`, `X-Trace: trace-id=N`; a wrong password → 401.
/// - `POST /orders` with `Authorization: Bearer T` → 201 `{"order": {"id": N, "items": [{"sku": "A1"}]}}`,
///   `Location: /orders/N`; no or a wrong token → 401.
/// - `GET /orders/N` with the token of the user who created N → 200 `{"id": N, "owner": U}`; otherwise 404.
/// - `GET /me` with `Cookie: session=S` → 200 `hello U`; otherwise 401.
/// - `GET /trace/N` → 200 when N is a trace id it handed out; otherwise 404.
/// - anything else → 404.
public final class FlowTestServer: Sendable {
    public let port: Int
    private let group: MultiThreadedEventLoopGroup
    private let channel: any Channel
    private let state: LockedBox<State>

    public struct State: Sendable {
        public var users: [String: String]
        public var tokens: [String: String] = [:]
        public var sessions: [String: String] = [:]
        public var orders: [Int: String] = [:]
        public var traces: Set<Int> = []
        /// Successful logins per user.
        public var logins: [String: Int] = [:]
        /// Answers per path kind and status (`"GET /orders 200"`).
        public var answers: [String: Int] = [:]
        public var nextID = 1
    }

    public var url: String { "http://127.0.0.1:\(port)" }
    public var snapshot: State { state.withLockedValue { $0 } }

    /// How many answers of `kind` (`"POST /login"`, `"GET /orders"`) had `status`.
    public func answers(_ kind: String, _ status: Int) -> Int { snapshot.answers["\(kind) \(status)"] ?? 0 }

    public init(users: [String: String]) async throws {
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let state = LockedBox(State(users: users))
        self.state = state
        channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(FlowHandler(state: state))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        port = channel.localAddress?.port ?? 0
    }

    public func stop() async throws {
        try await channel.close()
        try await group.shutdownGracefully()
    }
}

private final class FlowHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let state: LockedBox<FlowTestServer.State>
    private var head: HTTPRequestHead?
    private var body: [UInt8] = []

    init(state: LockedBox<FlowTestServer.State>) { self.state = state }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            body = []
        case .body(var buffer):
            body += buffer.readBytes(length: buffer.readableBytes) ?? []
        case .end:
            guard let head else { return }
            let (status, headers, text) = answer(head)
            let kind = "\(head.method.rawValue) /\(head.uri.split(separator: "/").first ?? "")"
            state.withLockedValue { $0.answers["\(kind) \(status)", default: 0] += 1 }
            var fields = HTTPHeaders(headers)
            fields.add(name: "Content-Length", value: String(text.utf8.count))
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .init(statusCode: status), headers: fields))), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: text)))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
    }

    private func answer(_ head: HTTPRequestHead) -> (Int, [(String, String)], String) {
        let parts = head.uri.split(separator: "/").map(String.init)
        let bearer = head.headers["Authorization"].first.flatMap { $0.hasPrefix("Bearer ") ? String($0.dropFirst(7)) : nil }
        return state.withLockedValue { state -> (Int, [(String, String)], String) in
            let user = bearer.flatMap { state.tokens[$0] }
            switch (head.method, parts.first, parts.count) {
            case (.POST, "login", 1):
                guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
                      let name = object["user"] as? String, let password = object["password"] as? String,
                      state.users[name] == password
                else { return (401, [], "bad login") }
                let id = state.nextID
                state.nextID += 1
                let token = "tok-\(id)-\(UInt32.random(in: 0...UInt32.max))"
                let session = "s\(id)x\(UInt32.random(in: 0...UInt32.max))"
                state.tokens[token] = name
                state.sessions[session] = name
                state.traces.insert(id)
                state.logins[name, default: 0] += 1
                return (200, [("Set-Cookie", "session=\(session); Path=/; HttpOnly"), ("X-Trace", "trace-id=\(id)"),
                              ("Content-Type", "application/json")],
                        "{\"token\": \"\(token)\", \"user\": {\"name\": \"\(name)\"}}")
            case (.POST, "orders", 1):
                guard let user else { return (401, [], "no token") }
                let id = state.nextID
                state.nextID += 1
                state.orders[id] = user
                return (201, [("Location", "/orders/\(id)"), ("Content-Type", "application/json")],
                        "{\"order\": {\"id\": \(id), \"items\": [{\"sku\": \"A1\"}]}}")
            case (.GET, "orders", 2):
                guard let user, let id = Int(parts[1]), state.orders[id] == user else { return (404, [], "no such order") }
                return (200, [("Content-Type", "application/json")], "{\"id\": \(id), \"owner\": \"\(user)\"}")
            case (.GET, "me", 1):
                let cookies = head.headers["Cookie"].joined(separator: "; ").split(separator: ";")
                    .map { $0.trimmingCharacters(in: .whitespaces) }
                guard let session = cookies.first(where: { $0.hasPrefix("session=") })?.dropFirst(8),
                      let name = state.sessions[String(session)]
                else { return (401, [], "no session") }
                return (200, [], "hello \(name)")
            case (.GET, "trace", 2):
                guard let id = Int(parts[1]), state.traces.contains(id) else { return (404, [], "no such trace") }
                return (200, [], "trace ok")
            default:
                return (404, [], "not found")
            }
        }
    }
}
