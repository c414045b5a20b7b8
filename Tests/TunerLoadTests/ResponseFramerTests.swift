import Testing
@testable import TunerLoad

/// The hand-written framer against NIOHTTP1's decoder on the same bytes.
@Suite struct ResponseFramerTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var text: String
        var isHEAD: [Bool] = [false]
        var closeAtEnd = false
        var testDescription: String { name }
        var bytes: [UInt8] { Array(text.utf8) }
    }

    static let valid: [Case] = [
        Case(name: "content-length", text: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"),
        Case(name: "chunked with extension and trailer", text: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nTrailer: x\r\n\r\n"),
        Case(name: "chunked upper-case hex", text: "HTTP/1.1 200 OK\r\ntransfer-encoding: Chunked\r\n\r\nA\r\n0123456789\r\n0\r\n\r\n"),
        Case(name: "connection close", text: "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 3\r\n\r\nabc"),
        Case(name: "http/1.0 until close", text: "HTTP/1.0 200 OK\r\nServer: x\r\n\r\nbody until the end", closeAtEnd: true),
        Case(name: "http/1.1 without length reads until close", text: "HTTP/1.1 200 OK\r\nServer: x\r\n\r\nsome body", closeAtEnd: true),
        Case(name: "http/1.0 keep-alive", text: "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok"),
        Case(name: "100 continue then 200", text: "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"),
        Case(name: "103 early hints then 201", text: "HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n"),
        Case(name: "HEAD has no body", text: "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n", isHEAD: [true]),
        Case(name: "204 has no body", text: "HTTP/1.1 204 No Content\r\n\r\n"),
        Case(name: "304 ignores content-length", text: "HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n"),
        Case(name: "404 with body", text: "HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\nnot found"),
        Case(name: "503 with body", text: "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 4\r\nRetry-After: 1\r\n\r\nbusy"),
        Case(name: "zero length", text: "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"),
        Case(name: "odd header case and spacing", text: "HTTP/1.1 200 OK\r\ncontent-LENGTH:    4   \r\nCONNECTION: Keep-Alive\r\n\r\nabcd"),
        Case(name: "look-alike header names", text: "HTTP/1.1 200 OK\r\nContent-Lengthy: 9\r\nConnection-Foo: close\r\nX-Transfer-Encoding: chunked\r\nContent-Length: 2\r\n\r\nok"),
        Case(name: "no reason phrase", text: "HTTP/1.1 200 \r\nContent-Length: 1\r\n\r\nx"),
        Case(name: "transfer-encoding list ending in chunked", text: "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"),
        Case(name: "connection token list", text: "HTTP/1.1 200 OK\r\nConnection: upgrade, close\r\nContent-Length: 1\r\n\r\nz"),
        Case(name: "three keep-alive responses", text: "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\naHTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n\r\nbbHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nc\r\n0\r\n\r\n", isHEAD: [false, false, false]),
        Case(name: "large headers", text: "HTTP/1.1 200 OK\r\n" + (0..<200).map { "X-Header-\($0): \(String(repeating: "v", count: 40))\r\n" }.joined() + "Content-Length: 3\r\n\r\nend"),
        Case(name: "large body", text: "HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" + String(repeating: "b", count: 100_000)),
        Case(name: "utf-8 in header value", text: "HTTP/1.1 200 OK\r\nX-Name: Zoë\r\nContent-Length: 1\r\n\r\n!"),
        Case(name: "empty header value", text: "HTTP/1.1 200 OK\r\nX-Empty:\r\nContent-Length: 1\r\n\r\n!"),
    ]

    static let malformed: [Case] = [
        Case(name: "not http", text: "SSH-2.0-OpenSSH_9.2\r\n\r\n"),
        Case(name: "bad status code", text: "HTTP/1.1 2x0 OK\r\nContent-Length: 0\r\n\r\n"),
        Case(name: "http/2 version", text: "HTTP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n"),
        Case(name: "bad content-length", text: "HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\n"),
        Case(name: "two different content-lengths", text: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!"),
        Case(name: "content-length with chunked", text: "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"),
        Case(name: "bad chunk size", text: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n"),
        Case(name: "chunk without its CRLF", text: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\n0\r\n\r\n"),
        Case(name: "space in header name", text: "HTTP/1.1 200 OK\r\nBad Header: x\r\nContent-Length: 0\r\n\r\n"),
        Case(name: "header without colon", text: "HTTP/1.1 200 OK\r\nNoColonHere\r\nContent-Length: 0\r\n\r\n"),
        Case(name: "truncated body", text: "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello", closeAtEnd: true),
        Case(name: "truncated head", text: "HTTP/1.1 200 OK\r\nContent-Le", closeAtEnd: true),
        Case(name: "truncated chunked body", text: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel", closeAtEnd: true),
        Case(name: "control character in header", text: "HTTP/1.1 200 OK\r\nX-Bad: a\u{01}b\r\nContent-Length: 0\r\n\r\n"),
        Case(name: "CR without LF", text: "HTTP/1.1 200 OK\r\nContent-Length: 0\rX\r\n\r\n"),
    ]

    @Test(arguments: valid)
    func validResponsesFrameAsNIODoes(_ c: Case) {
        let ours = frameWithTuner(c.bytes, isHEAD: c.isHEAD, closeAtEnd: c.closeAtEnd)
        let nio = frameWithNIO(c.bytes, isHEAD: c.isHEAD, closeAtEnd: c.closeAtEnd)
        #expect(!ours.failed, "\(ours)")
        #expect(ours.responses.count == max(c.isHEAD.count, 1))
        #expect(ours == nio)
    }

    @Test(arguments: valid)
    func splitAtEveryOffsetFramesTheSame(_ c: Case) {
        let whole = frameWithTuner(c.bytes, isHEAD: c.isHEAD, closeAtEnd: c.closeAtEnd)
        let limit = min(c.bytes.count, 2_000)  // every offset of the head and the body's start
        for cut in 1..<limit {
            let ours = frameWithTuner(c.bytes, cuts: [cut], isHEAD: c.isHEAD, closeAtEnd: c.closeAtEnd)
            #expect(ours == whole, "cut at \(cut): \(ours) vs \(whole)")
            if cut % 7 == 0 {
                let nio = frameWithNIO(c.bytes, cuts: [cut], isHEAD: c.isHEAD, closeAtEnd: c.closeAtEnd)
                #expect(ours == nio, "cut at \(cut): \(ours) vs NIO \(nio)")
            }
        }
        // One byte at a time.
        let bytewise = frameWithTuner(c.bytes, cuts: Array(0..<min(c.bytes.count, 3_000)), isHEAD: c.isHEAD, closeAtEnd: c.closeAtEnd)
        #expect(bytewise == whole)
    }

    @Test(arguments: malformed)
    func malformedResponsesFailAsInNIO(_ c: Case) {
        let ours = frameWithTuner(c.bytes, isHEAD: c.isHEAD, closeAtEnd: c.closeAtEnd)
        let nio = frameWithNIO(c.bytes, isHEAD: c.isHEAD, closeAtEnd: c.closeAtEnd)
        #expect(ours.failed, "\(ours)")
        #expect(nio.failed, "NIO accepted: \(nio)")
        #expect(ours.responses == nio.responses)
    }

    @Test func unexpectedUpgradeIsAProtocolError() {
        var framer = ResponseFramer()
        let bytes = Array("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n".utf8)
        let (_, outcome) = bytes.withUnsafeBytes { framer.parse($0) }
        #expect(outcome == .malformed(.unexpectedUpgrade))
    }

    @Test func oversizedHeadersAreRejected() {
        var framer = ResponseFramer()
        let header = "X-Filler: " + String(repeating: "f", count: 1000) + "\r\n"
        let bytes = Array(("HTTP/1.1 200 OK\r\n" + String(repeating: header, count: 80)).utf8)
        let (_, outcome) = bytes.withUnsafeBytes { framer.parse($0) }
        #expect(outcome == .malformed(.headersTooLarge))
    }

    @Test func endlessHeaderNameIsRejected() {
        var framer = ResponseFramer()
        var (_, outcome) = Array("HTTP/1.1 200 OK\r\nX-".utf8).withUnsafeBytes { framer.parse($0) }
        let block = [UInt8](repeating: 0x61, count: 4096)
        for _ in 0..<20 where outcome == .needMoreData { (_, outcome) = block.withUnsafeBytes { framer.parse($0) } }
        #expect(outcome == .malformed(.headersTooLarge))
    }

    @Test func bodyBytesAreCountedNotKept() {
        var framer = ResponseFramer()
        let head = Array("HTTP/1.1 200 OK\r\nContent-Length: 10000000000\r\n\r\n".utf8)
        var (_, outcome) = head.withUnsafeBytes { framer.parse($0) }
        let block = [UInt8](repeating: 0, count: 1 << 20)
        for _ in 0..<100 { (_, outcome) = block.withUnsafeBytes { framer.parse($0) } }
        #expect(outcome == .needMoreData)
        #expect(framer.bodyBytes == 100 << 20)
    }
}
