import NIOCore
import NIOTLS

/// The NIO transport of one connection: a channel handler that carries an `HTTPConnection`'s bytes over a NIO
/// channel (and through NIOSSL over HTTPS). Used for HTTPS, and for plain HTTP where the epoll transport is not.
final class NIOConnectionHandler: ChannelInboundHandler, ConnectionTransport {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let connection: HTTPConnection
    private var context: ChannelHandlerContext?

    init(_ connection: HTTPConnection) {
        self.connection = connection
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        connection.transport = self
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        connection.transportEstablished()
        context.fireChannelActive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? TLSUserEvent, case .handshakeCompleted = event { connection.tlsHandshakeCompleted() }
        context.fireUserInboundEventTriggered(event)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        unwrapInboundIn(data).withUnsafeReadableBytes { connection.received($0) }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        connection.transportFailed(error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        connection.transportClosed()
    }

    func write(_ buffer: ByteBuffer) {
        context?.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
    }

    func close() {
        context?.close(promise: nil)
    }
}
