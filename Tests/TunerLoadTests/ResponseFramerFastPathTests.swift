import Testing
@testable import TunerLoad

/// The one-pass head parser (`parseWholeHead`) must leave the framer exactly where the byte-wise
/// state machine does: same responses, same byte counts, same errors at the same offsets.
@Suite struct ResponseFramerFastPathTests {
    static let nginx = "HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nDate: Mon, 23 Nov 2026 02:00:00 GMT\r\n"
        + "Content-Type: text/plain\r\nContent-Length: 6\r\nConnection: keep-alive\r\n\r\nhello\n"

    /// Heads aimed at the one-pass parser's edges (each also valid or invalid for the byte-wise path).
    static let edges: [String] = [
        nginx,
        "HTTP/1.1 200 OK\r\nContent-Length: 000000000000012\r\n\r\n0123456789ab",
        "HTTP/1.1 200 OK\r\nContent-Length: 1234567890123456\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length:\t3\t \r\n\r\nabc",
        "HTTP/1.1 200 OK\r\nConnection: Keep-Alive \r\nConnection: close\r\nContent-Length: 1\r\n\r\nx",
        "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok",
        "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok",
        "HTTP/1.1 200 OK\nContent-Length: 1\n\nx",
        "HTTP/1.1 200 OK\r\nContent-Length: 1\n\r\nx",
        "HTTP/1.1 599 Whatever\r\nX: \u{7f}\r\nContent-Length: 1\r\n\r\nx",
        "HTTP/1.1 600 Too High\r\nContent-Length: 1\r\n\r\nx",
        "HTTP/1.1 200\r\nContent-Length: 1\r\n\r\nx",
        "HTTP/1.1 200 OK\r\nContent-Length : 1\r\n\r\nx",
        "HTTP/1.1 200 OK\r\nX-Long: " + String(repeating: "é", count: 200) + "\r\nContent-Length: 1\r\n\r\nx",
        "\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx",
        "HTTP/1.1 204 No Content\r\nContent-Length: 4\r\n\r\n",
    ]

    /// What ended a response: where (absolute offset), how, and the framer's figures at that point.
    struct Event: Equatable, CustomStringConvertible {
        var end: Int
        var outcome: ResponseFramer.Outcome
        var status: Int
        var body: UInt64
        var total: UInt64
        var keepAlive: Bool
        var description: String { "@\(end) \(outcome) \(status) body \(body) total \(total) \(keepAlive ? "ka" : "close")" }
    }

    /// Frames `bytes` fed `piece` bytes at a time (nil: all at once), resetting after each response.
    static func events(_ bytes: [UInt8], piece: Int?) -> [Event] {
        var framer = ResponseFramer()
        var events: [Event] = []
        var offset = 0
        var fed = 0
        while fed < bytes.count {
            let end = piece.map { min(fed + $0, bytes.count) } ?? bytes.count
            var rest = Array(bytes[fed..<end])
            fed = end
            while !rest.isEmpty {
                let (consumed, outcome) = rest.withUnsafeBytes { framer.parse($0) }
                rest.removeFirst(consumed)
                offset += consumed
                guard outcome != .needMoreData else { continue }
                events.append(Event(end: offset, outcome: outcome, status: framer.statusCode, body: framer.bodyBytes,
                                    total: framer.totalBytes, keepAlive: framer.isKeepAlive))
                guard outcome == .complete, framer.isKeepAlive else { return events }
                framer.reset()
            }
        }
        return events
    }

    @Test func plainHeadsAreFramedInOnePass() {
        for text in [Self.nginx, "HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\nnot found",
                     "HTTP/1.0 200 OK\r\nConnection: close\r\n\r\nuntil close"] {
            var framer = ResponseFramer()
            let head = Array(text.utf8).withUnsafeBytes { framer.parseWholeHead($0) }
            #expect(head == text.utf8.count - text.split(separator: "\r\n\r\n").last!.utf8.count, "\(text.debugDescription)")
        }
        // Left to the byte-wise path: split heads, chunked bodies, informational responses, odd line ends.
        for text in ["HTTP/1.1 200 OK\r\nContent-Len", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
                     "HTTP/1.1 100 Continue\r\n\r\n", "HTTP/1.1 200 OK\nContent-Length: 0\n\n",
                     "HTTP/1.1 200 OK\r\nConnection: upgrade, close\r\n\r\n"] {
            var framer = ResponseFramer()
            #expect(Array(text.utf8).withUnsafeBytes { framer.parseWholeHead($0) } == nil, "\(text.debugDescription)")
        }
    }

    @Test func onePassAndByteWiseFramingAgreeOnMutatedResponses() {
        var random = FastRandom(seed: 20_261_123)
        let corpus = (Self.edges + ResponseFramerTests.valid.map(\.text) + ResponseFramerTests.malformed.map(\.text))
            .map { Array($0.utf8) }.filter { $0.count < 800 }
        var disagreements: [String] = []
        for iteration in 0..<20_000 {
            let base = corpus[iteration % corpus.count]
            let bytes = iteration < corpus.count ? base : ResponseFramerFuzzTests.mutate(base, random: &random)
            let whole = Self.events(bytes, piece: nil)
            let bytewise = Self.events(bytes, piece: 1)
            if whole != bytewise && disagreements.count < 10 {
                disagreements.append("\(String(decoding: bytes, as: UTF8.self).debugDescription): \(whole) vs \(bytewise)")
            }
        }
        #expect(disagreements.isEmpty, "\(disagreements.joined(separator: "\n"))")
    }
}
