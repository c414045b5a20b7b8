/// Which transport carries the engine's connections. `automatic` is the engine's own epoll transport for plain
/// HTTP on Linux and NIO's channels (with NIOSSL) for HTTPS and elsewhere; the other two force one (for
/// benchmarks and for testing both).
public enum EngineTransport: String, Sendable, CaseIterable {
    case automatic, epoll, nio
}
