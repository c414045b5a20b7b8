import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Finds TCP ports on 127.0.0.1 for servers Tuner (or a test) is about to start.
public enum FreePort {
    /// A port the kernel picked, held until the server that is to listen on it does (see `PortReservation`).
    public static func reserve() throws(EmbeddedPostgresError) -> PortReservation {
        try PortReservation()
    }
}

/// A port on 127.0.0.1 held by a socket that is bound with `SO_REUSEADDR` and never listens, until `release()`
/// (or the reservation's end).
///
/// While it is held, connecting to the port is refused (nothing listens), the kernel gives it to no other
/// `bind` to port 0 and to no outgoing connection, and a plain `bind` to it fails; a server that binds it with
/// `SO_REUSEADDR` (PostgreSQL, Hummingbird, NIO with the option, Python's `http.server`, Go) can bind and listen on
/// it. A port found free and released before its server starts could be taken meanwhile by another process, which
/// then answers in the server's place (seen in the test suite: a cold start "ready" in 21 ms, 300 ms before the
/// service could listen).
public final class PortReservation: Sendable {
    public let port: Int
    private let descriptor: Mutex<Int32>

    fileprivate init() throws(EmbeddedPostgresError) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw EmbeddedPostgresError("cannot create a socket to find a free port") }
        var reuse: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else {
            close(fd)
            throw EmbeddedPostgresError("cannot bind 127.0.0.1 to find a free port")
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        descriptor = Mutex(fd)
    }

    /// Lets the port go (once its server listens, or when it is no longer needed); later calls do nothing.
    public func release() {
        descriptor.withLock { fd in
            if fd >= 0 { close(fd) }
            fd = -1
        }
    }

    deinit { release() }
}
