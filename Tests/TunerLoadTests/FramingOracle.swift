import NIOCore
import NIOEmbedded
import NIOHTTP1
@testable import TunerLoad

/// How a stream of responses was framed: what completed, and whether it ended in an error.
struct Framing: Equatable, CustomStringConvertible {
    struct Response: Equatable {
        var status: Int
        var bodyBytes: UInt64
        var isKeepAlive: Bool
    }

    var responses: [Response] = []
    var failed = false

    var description: String {
        responses.map { "\($0.status)/\($0.bodyBytes)/\($0.isKeepAlive ? "ka" : "close")" }.joined(separator: " ")
            + (failed ? " FAILED" : "")
    }
}

/// Frames `bytes` with the engine's `ResponseFramer`, fed in pieces cut at `cuts`.
/// `isHEAD[i]` says whether the i-th response answers a HEAD request; `closeAtEnd` delivers EOF.
func frameWithTuner(_ bytes: [UInt8], cuts: [Int] = [], isHEAD: [Bool], closeAtEnd: Bool) -> Framing {
    var framing = Framing()
    var framer = ResponseFramer()
    framer.reset(isHEAD: isHEAD.first ?? false)
    var pieces: [ArraySlice<UInt8>] = []
    var start = 0
    for cut in cuts.sorted() where cut > start && cut < bytes.count {
        pieces.append(bytes[start..<cut])
        start = cut
    }
    pieces.append(bytes[start...])
    func completed() {
        framing.responses.append(.init(status: framer.statusCode, bodyBytes: framer.bodyBytes, isKeepAlive: framer.isKeepAlive))
        framer.reset(isHEAD: framing.responses.count < isHEAD.count ? isHEAD[framing.responses.count] : false)
    }
    for piece in pieces {
        var rest = Array(piece)
        while !rest.isEmpty {
            let (consumed, outcome) = rest.withUnsafeBytes { framer.parse($0) }
            rest.removeFirst(consumed)
            switch outcome {
            case .needMoreData: break
            case .complete:
                let wasKeepAlive = framer.isKeepAlive
                completed()
                if !wasKeepAlive { return framing }  // the client closes after a non-keep-alive response
            case .malformed:
                framing.failed = true
                return framing
            }
        }
    }
    if closeAtEnd && framer.hasStarted {
        if framer.finishOnClose() == .complete { completed() } else { framing.failed = true }
    }
    return framing
}

/// Frames the same bytes with NIOHTTP1's `HTTPResponseDecoder` (llhttp) in an `EmbeddedChannel`.
func frameWithNIO(_ bytes: [UInt8], cuts: [Int] = [], isHEAD: [Bool], closeAtEnd: Bool) -> Framing {
    var framing = Framing()
    let channel = EmbeddedChannel()
    defer { _ = try? channel.finish() }
    do {
        try channel.pipeline.syncOperations.addHandler(
            ByteToMessageHandler(HTTPResponseDecoder(leftOverBytesStrategy: .dropBytes, informationalResponseStrategy: .drop)))
        for head in isHEAD {
            try channel.writeOutbound(HTTPClientRequestPart.head(.init(version: .http1_1, method: head ? .HEAD : .GET, uri: "/")))
        }
    } catch {
        framing.failed = true
        return framing
    }
    var current: Framing.Response?
    func drain() throws -> Bool {
        while let part = try channel.readInbound(as: HTTPClientResponsePart.self) {
            switch part {
            case .head(let head):
                current = .init(status: Int(head.status.code), bodyBytes: 0, isKeepAlive: head.isKeepAlive)
            case .body(let body):
                current?.bodyBytes += UInt64(body.readableBytes)
            case .end:
                let finished = current
                current = nil
                if let response = finished {
                    framing.responses.append(response)
                    if !response.isKeepAlive { return false }
                }
            }
        }
        return true
    }
    var start = 0
    var cutList = cuts.sorted().filter { $0 > 0 && $0 < bytes.count }
    cutList.append(bytes.count)
    do {
        for cut in cutList where cut > start {
            try channel.writeInbound(ByteBuffer(bytes: bytes[start..<cut]))
            start = cut
            if try !drain() { return framing }
        }
        if closeAtEnd {
            channel.pipeline.fireChannelInactive()
            try channel.throwIfErrorCaught()
            _ = try drain()
            if current != nil { framing.failed = true }
        }
    } catch {
        framing.failed = true
    }
    return framing
}
