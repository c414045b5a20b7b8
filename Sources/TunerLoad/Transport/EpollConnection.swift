#if os(Linux)
import CEpoll
import Glibc
import NIOCore

/// The engine's own transport of one connection: a raw non-blocking TCP socket on an `EpollLoop`, carrying an
/// `HTTPConnection`'s bytes. Errors are the ones NIO would raise (`IOError` with the errno, `ChannelError
/// .connectTimeout`), so that they are counted under the same kinds whichever transport ran.
final class EpollConnection: ConnectionTransport {
    private let fd: Int32
    private unowned(unsafe) let loop: EpollLoop
    /// Strong until the socket has closed and said so (`HTTPConnection.transport` points back; the cycle ends
    /// when the connection lets go of its transport in `transportClosed()`).
    private var connection: HTTPConnection?
    private var isConnecting = true
    private var isClosed = false
    private var connectTimer: UInt64?
    /// What the socket did not take yet (a large body on a full send buffer).
    private var unwritten: ByteBuffer?

    private init(fd: Int32, loop: EpollLoop, connection: HTTPConnection) {
        self.fd = fd
        self.loop = loop
        self.connection = connection
    }

    /// Starts a non-blocking connect to `address` for `connection`; everything after is reported to it.
    static func open(to address: SocketAddress, on loop: EpollLoop, timeoutNanos: Int64, for connection: HTTPConnection) {
        let fd = socket(address.protocol.rawValue, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue)
            | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else {
            // Reported after the caller returns, as a failed connect future would be.
            let error = IOError(errnoCode: errno, reason: "socket")
            loop.later { connection.transportFailed(error) }
            return
        }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        let socket = EpollConnection(fd: fd, loop: loop, connection: connection)
        connection.transport = socket
        let result = address.withSockAddr { pointer, length in Glibc.connect(fd, pointer, socklen_t(length)) }
        let connectErrno = result == 0 ? 0 : errno
        guard connectErrno == 0 || connectErrno == EINPROGRESS else {
            loop.later { socket.failThenClose(IOError(errnoCode: connectErrno, reason: "connect")) }
            return
        }
        guard loop.register(socket, fd: fd, events: cepoll_in() | cepoll_out() | cepoll_rdhup()) else {
            let code = errno
            loop.later { socket.failThenClose(IOError(errnoCode: code, reason: "epoll_ctl")) }
            return
        }
        socket.connectTimer = loop.addTimer(at: NIODeadline.now().uptimeNanoseconds + UInt64(max(timeoutNanos, 0))) {
            [weak socket] in
            guard let socket, socket.isConnecting, !socket.isClosed else { return }
            socket.connectTimer = nil
            socket.failThenClose(ChannelError.connectTimeout(.nanoseconds(timeoutNanos)))
        }
    }

    /// What epoll reported for this socket.
    func handle(events: UInt32) {
        guard !isClosed else { return }
        if isConnecting {
            guard events & (cepoll_out() | cepoll_err() | cepoll_hup()) != 0 else { return }
            var error: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length)
            if error != 0 {
                failThenClose(IOError(errnoCode: error, reason: "connect"))
                return
            }
            isConnecting = false
            if let timer = connectTimer { loop.cancelTimer(timer) }
            connectTimer = nil
            loop.modify(self, fd: fd, events: cepoll_in() | cepoll_rdhup())
            connection?.transportEstablished()
            guard !isClosed else { return }
        }
        if events & cepoll_out() != 0 && unwritten != nil { flush() }
        if !isClosed && events & (cepoll_in() | cepoll_rdhup() | cepoll_hup() | cepoll_err()) != 0 { readAvailable() }
    }

    private func readAvailable() {
        // A few reads per event at most, so that one busy connection cannot starve the others on the loop.
        for _ in 0..<4 {
            let count = Glibc.read(fd, loop.readBuffer.baseAddress, loop.readBuffer.count)
            if count > 0 {
                connection?.received(UnsafeRawBufferPointer(rebasing: loop.readBuffer[0..<count]))
                if isClosed || count < loop.readBuffer.count { return }
            } else if count == 0 {
                close()
                return
            } else {
                let code = errno
                if code == EAGAIN || code == EWOULDBLOCK { return }
                if code == EINTR { continue }
                failThenClose(IOError(errnoCode: code, reason: "read"))
                return
            }
        }
    }

    // MARK: ConnectionTransport

    func write(_ buffer: ByteBuffer) {
        guard !isClosed else { return }
        if unwritten != nil {
            unwritten!.writeImmutableBuffer(buffer)
            return
        }
        let written = buffer.withUnsafeReadableBytes { bytes in
            Glibc.send(fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL))
        }
        if written == buffer.readableBytes { return }
        if written < 0 {
            let code = errno
            guard code == EAGAIN || code == EWOULDBLOCK else {
                // Reported after this call returns, as a channel reports a failed write: the sender's state is set.
                loop.later { [self] in failThenClose(IOError(errnoCode: code, reason: "write")) }
                return
            }
        }
        var rest = buffer
        rest.moveReaderIndex(forwardBy: max(written, 0))
        unwritten = rest
        loop.modify(self, fd: fd, events: cepoll_in() | cepoll_out() | cepoll_rdhup())
    }

    private func flush() {
        guard var rest = unwritten else { return }
        let written = rest.withUnsafeReadableBytes { bytes in
            Glibc.send(fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL))
        }
        if written < 0 {
            let code = errno
            if code != EAGAIN && code != EWOULDBLOCK { failThenClose(IOError(errnoCode: code, reason: "write")) }
            return
        }
        rest.moveReaderIndex(forwardBy: written)
        if rest.readableBytes == 0 {
            unwritten = nil
            loop.modify(self, fd: fd, events: cepoll_in() | cepoll_rdhup())
        } else {
            unwritten = rest
        }
    }

    func close() {
        guard !isClosed else { return }
        isClosed = true
        if let timer = connectTimer { loop.cancelTimer(timer) }
        connectTimer = nil
        unwritten = nil
        loop.deregister(self, fd: fd)
        Glibc.close(fd)
        // Told after the current event, as a channel fires channelInactive: the caller of close() finishes first.
        loop.later { [self] in
            let connection = self.connection
            self.connection = nil
            connection?.transportClosed()
        }
    }

    /// The loop is shutting down: the socket goes without telling anyone (the engine has finished with it).
    func closeAtShutdown() {
        guard !isClosed else { return }
        isClosed = true
        Glibc.close(fd)
        connection = nil
    }

    private func failThenClose(_ error: any Error) {
        connection?.transportFailed(error)
        close()
    }
}
#endif
