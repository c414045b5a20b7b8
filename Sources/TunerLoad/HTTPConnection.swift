import NIOCore
import NIOPosix

/// What a transport does for a connection: carry its bytes out, and close it. The NIO channel handler and the
/// engine's own epoll socket are the two; `HTTPConnection` never knows which it talks to.
protocol ConnectionTransport: AnyObject {
    /// Sends `buffer` whole (a transport keeps what the socket did not take and sends it when it can).
    func write(_ buffer: ByteBuffer)
    /// Closes the connection; the transport then calls `HTTPConnection.transportClosed()`, once, later.
    func close()
}

/// One connection's protocol work, whichever transport carries it: writes pre-encoded requests, frames the
/// responses, and hands the outcome to its runner. Lives on its event loop; nothing here allocates per request.
///
/// The transport reports what happens to the connection: `transportEstablished()` (TCP is up),
/// `tlsHandshakeCompleted()` (over HTTPS), `received(_:)`, `transportFailed(_:)` and `transportClosed()`.
final class HTTPConnection {
    /// Unowned without reference counting: the engine keeps every runner alive until the event
    /// loops have shut down (see `LoadEngine.run`), and this is touched several times per request.
    unowned(unsafe) let runner: WorkloadRunner
    let slot: Int
    /// Set by the transport when it takes the connection on; cleared when it has closed.
    var transport: (any ConnectionTransport)?
    private var framer = ResponseFramer()
    /// Reused for requests with `${random}` slots.
    private var scratch = ByteBuffer()
    private var isClosing = false
    /// When the connect began, and when TCP was established (the TLS handshake's start).
    private let connectStartNanos: UInt64
    private var establishedNanos: UInt64 = 0
    private let isTLS: Bool
    /// True once the connection can carry requests (over HTTPS: once the handshake finished).
    private var isReady = false
    /// True once a failed setup was reported to the runner (it is reported once).
    private var setupFailureReported = false
    private var handshakeTimeout: Scheduled<Void>?

    /// A request is out and its response not complete.
    private(set) var isBusy = false
    private(set) var requestIndex = 0
    /// When the request was meant to start (open model) or was sent (closed model).
    private(set) var startNanos: UInt64 = 0
    private(set) var sentNanos: UInt64 = 0
    /// False once the connection is closing: it takes no further request.
    var isUsable: Bool { !isClosing && transport != nil }
    /// The flow iteration whose step is out on this connection; `nil` for a request of a weighted mix.
    var iteration: FlowIteration?
    /// A flow step's whole response (only flow steps keep theirs, for captures, checks and cookies).
    private(set) var response: [UInt8] = []
    /// Responses larger than this are kept only in part (a capture past it finds nothing).
    static let keptResponseLimit = 4 << 20

    init(runner: WorkloadRunner, slot: Int, connectStart: UInt64, isTLS: Bool) {
        self.runner = runner
        self.slot = slot
        self.connectStartNanos = connectStart
        self.isTLS = isTLS
    }

    // MARK: what the transport reports

    /// TCP is established: over plain HTTP the connection is ready; over HTTPS the handshake starts.
    func transportEstablished() {
        establishedNanos = NIODeadline.now().uptimeNanoseconds
        runner.worker.stats.connections.connectTime.recordClamped(micros: (establishedNanos &- connectStartNanos) / 1000)
        if isTLS {
            // The handshake gets what is left of the connect timeout: a server that accepts and never answers the
            // ClientHello must not hold the slot forever.
            let left = max(Int64(runner.worker.connectTimeoutNanos) - Int64(establishedNanos &- connectStartNanos), 1_000_000)
            handshakeTimeout = runner.loop.assumeIsolated().scheduleTask(in: .nanoseconds(left)) { [self] in
                setupFailed(.connectTimeout, reason: "the TLS handshake did not finish within the connect timeout")
                close()
            }
        } else {
            becameReady()
        }
    }

    func tlsHandshakeCompleted() {
        guard !isReady, !setupFailureReported else { return }
        handshakeTimeout?.cancel()
        let now = NIODeadline.now().uptimeNanoseconds
        runner.worker.stats.connections.tlsHandshake?.recordClamped(micros: (now &- establishedNanos) / 1000)
        becameReady()
    }

    private func becameReady() {
        isReady = true
        runner.connected(self)
    }

    /// The connection never became usable (a connect or a TLS handshake that failed or timed out): the runner
    /// counts it as a failed connect, once.
    private func setupFailed(_ kind: ErrorSlot, reason: String) {
        guard !isReady, !setupFailureReported else { return }
        setupFailureReported = true
        handshakeTimeout?.cancel()
        runner.setupFailed(slot: slot, kind: kind, reason: reason)
    }

    /// Bytes arrived.
    func received(_ bytes: UnsafeRawBufferPointer) {
        var offset = 0
        while offset < bytes.count && !isClosing {
            guard isBusy else {
                // Empty lines between responses are tolerated (llhttp skips them too).
                if bytes[offset] == 13 || bytes[offset] == 10 {
                    offset += 1
                    continue
                }
                // Bytes nobody asked for: the stream can no longer be trusted.
                runner.worker.notedProtocolProblem("the server sent bytes without a request outstanding")
                close()
                return
            }
            let (consumed, outcome) = framer.parse(UnsafeRawBufferPointer(rebasing: bytes[offset...]))
            if iteration != nil && response.count < Self.keptResponseLimit {
                response.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + consumed]))
            }
            offset += consumed
            switch outcome {
            case .needMoreData:
                return
            case .complete:
                completeResponse()
            case .malformed(let problem):
                runner.worker.notedProtocolProblem(problem.rawValue)
                fail(.protocol)
                close()
                return
            }
        }
    }

    /// The transport failed (a reset, a refused or timed-out connect, a TLS failure): counted, then closed.
    func transportFailed(_ error: any Error) {
        if !isReady {
            let kind = Self.classify(error)
            setupFailed(kind, reason: kind == .tls
                ? TLSClient.reason(error, serverName: runner.worker.tls?.serverName) : WorkloadRunner.describe(error))
        } else if isBusy {
            fail(Self.classify(error))
        }
        close()
    }

    /// The connection is closed (by either side).
    func transportClosed() {
        defer { transport = nil }
        if !isReady {
            setupFailed(isTLS ? .tls : .reset, reason: isTLS
                ? "the server closed the connection during the TLS handshake" : "the connection closed as it opened")
            isClosing = true
            return
        }
        if isBusy {
            if framer.finishOnClose() == .complete {
                completeResponse()
            } else {
                runner.worker.stats.connections.closedMidRequest += 1
                fail(.reset)
            }
        }
        isClosing = true
        runner.disconnected(self)
    }

    // MARK: what the runner asks

    /// Sends request `index` of the workload; `start` is its intended start (open) or 0 for "now".
    func send(request index: Int, start: UInt64) {
        guard let transport, !isClosing else { return }
        // Fields are read in place: copying the whole request would retain its buffers and arrays.
        framer.reset(isHEAD: runner.workload.requests[index].isHEAD)
        requestIndex = index
        isBusy = true
        sentNanos = NIODeadline.now().uptimeNanoseconds
        startNanos = start == 0 ? sentNanos : start
        if let iteration {
            response.removeAll(keepingCapacity: true)
            scratch.clear()
            runner.workload.requests[index].write(
                into: &scratch, random: &runner.worker.random, values: iteration.values, cookie: iteration.cookieHeader)
            transport.write(scratch)
        } else if let fixed = runner.workload.requests[index].fixed {
            transport.write(fixed)
        } else {
            scratch.clear()
            runner.workload.requests[index].write(into: &scratch, random: &runner.worker.random)
            transport.write(scratch)
        }
    }

    private func completeResponse() {
        isBusy = false
        let keepAlive = framer.isKeepAlive
        if !keepAlive { isClosing = true }
        runner.responseCompleted(
            self, status: framer.statusCode, bytes: framer.totalBytes, end: NIODeadline.now().uptimeNanoseconds)
        if !keepAlive { transport?.close() }
    }

    /// Counts the outstanding request as failed with `kind`.
    func fail(_ kind: ErrorSlot) {
        guard isBusy else { return }
        isBusy = false
        runner.requestFailed(self, kind: kind, bytes: framer.totalBytes, end: NIODeadline.now().uptimeNanoseconds)
    }

    /// The request timeout passed: count it and drop the connection (HTTP/1.1 cannot cancel a request).
    func timeOut() {
        fail(.timeout)
        close()
    }

    /// Closes the connection; the runner hears about it in `transportClosed()`.
    func close() {
        guard !isClosing else { return }
        isClosing = true
        transport?.close()
    }

    /// Maps a transport error to the kind the statistics count.
    static func classify(_ error: any Error) -> ErrorSlot {
        if let error = error as? ChannelError, case .connectTimeout = error { return .connectTimeout }
        if TLSClient.isTLSError(error) { return .tls }
        if let error = error as? IOError {
            switch error.errnoCode {
            case ECONNREFUSED: return .refused
            case ECONNRESET, EPIPE, ECONNABORTED: return .reset
            case ETIMEDOUT: return .timeout
            default: return .other
            }
        }
        if error is NIOConnectionError { return .refused }
        return .other
    }
}
