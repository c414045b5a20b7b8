import CompressNIO
import Foundation
import NIOCore
import Testing
@testable import TunerLoad

/// The pieces a flow is made of, each on its own: JSON paths, CSV data files, reading a kept response, UUIDs,
/// the cookie jar.
struct FlowPartsTests {
    /// A scenario that sends Accept-Encoding gets gzip bodies (chunked, too): captures and `contains` read them
    /// inflated; a body that is not what its Content-Encoding says is read as it came.
    @Test func compressedBodiesAreReadInflated() throws {
        var plain = ByteBuffer(string: #"{"orders": [{"id": 77}]}"#)
        var gzip = try plain.compress(with: .gzip())
        let compressed = gzip.readBytes(length: gzip.readableBytes)!
        let hex = String(compressed.count, radix: 16)
        let response = ResponseInspector(Array("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n\(hex)\r\n".utf8)
            + compressed + Array("\r\n0\r\n\r\n".utf8))
        #expect(response.bodyContains(Array(#""orders""#.utf8)))
        #expect(response.value(of: .json(try JSONPath(parsing: "$.orders[0].id"))) == "77")
        let mislabelled = ResponseInspector(Array("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 2\r\n\r\nok".utf8))
        #expect(String(decoding: mislabelled.body, as: UTF8.self) == "ok")
    }

    @Test func jsonPathsParseAndReadTheirValues() throws {
        let body = #"{"a": {"b": [{"id": 42}, {"id": 7.5}], "ok": true, "name": "x y", "none": null, "obj": {"k": 1}, "esc": "say \"hi\"\n \u00e9 \ud83d\ude00"}}"#
        let response = ResponseInspector(Array("HTTP/1.1 200 OK\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)".utf8))
        func value(_ path: String) throws -> String? { response.value(of: .json(try JSONPath(parsing: path))) }
        #expect(try value("$.a.b[0].id") == "42")
        #expect(try value("$.a.b[1].id") == "7.5")
        #expect(try value("a.ok") == "true")
        #expect(try value("$['a'].name") == "x y")
        #expect(try value("$.a.obj") == #"{"k": 1}"#)
        #expect(try value("$.a.esc") == "say \"hi\"\n é 😀")
        #expect(try value("$.a.none") == nil)
        #expect(try value("$.a.b[2].id") == nil)
        #expect(try value("$.missing") == nil)
        #expect(throws: LoadError.self) { try JSONPath(parsing: "$.a[") }
        #expect(throws: LoadError.self) { try JSONPath(parsing: "$.a..b") }
        #expect(throws: LoadError.self) { try JSONPath(parsing: "$") }
    }

    @Test func responsesAreSplitPastInterimAnswersAndChunks() {
        let bytes = Array(("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nLocation: /orders/9\r\n"
            + "Set-Cookie: session=abc; Path=/; HttpOnly\r\nset-cookie: theme=dark\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "4\r\nid=9\r\n6\r\n, done\r\n0\r\n\r\n").utf8)
        let response = ResponseInspector(bytes)
        #expect(response.status == 201)
        #expect(response.header("location") == "/orders/9")
        #expect(String(decoding: response.body, as: UTF8.self) == "id=9, done")
        #expect(response.setCookies.map { "\($0.name)=\($0.value)" } == ["session=abc", "theme=dark"])
        #expect(response.bodyContains(Array("9, d".utf8)))
        #expect(!response.bodyContains(Array("id=10".utf8)))
        #expect(response.value(of: .regex(try! CaptureRegex(#"id=(\d+)"#))) == "9")
        #expect(response.value(of: .regex(try! CaptureRegex(#"nope=(\d+)"#))) == nil)
    }

    @Test func csvFilesKeepQuotedCommasQuotesAndLineBreaks() {
        let records = DataTable.parseCSV("user,note\r\nalice,\"hi, there\"\nbob,\"say \"\"x\"\"\"\ncarol,\"two\nlines\"\n\n")
        #expect(records == [["user", "note"], ["alice", "hi, there"], ["bob", "say \"x\""], ["carol", "two\nlines"]])
    }

    @Test func uuidsAreVersion4AndDifferent() {
        var random = FastRandom(seed: 7)
        var seen = Set<String>()
        for _ in 0..<100 {
            var buffer = ByteBuffer()
            EncodedRequest.writeUUID(high: random.next(), low: random.next(), into: &buffer)
            let text = String(buffer: buffer)
            #expect(text.wholeMatch(of: /[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}/) != nil, "\(text)")
            seen.insert(text)
        }
        #expect(seen.count == 100)
    }

    @Test func theCookieJarReplacesAndRemoves() {
        let iteration = FlowIteration(values: [])
        #expect(iteration.cookieHeader == nil)
        iteration.store(cookies: [("a", "1"), ("b", "2")])
        iteration.store(cookies: [("a", "3")])
        #expect(iteration.cookieHeader.map { String(decoding: $0, as: UTF8.self) } == "Cookie: b=2; a=3\r\n")
        iteration.store(cookies: [("a", ""), ("b", "")])
        #expect(iteration.cookieHeader == nil)
    }

    @Test func aFlowStepIsWrittenWithItsValuesAndALengthThatFits() throws {
        let target = try TargetURL("http://127.0.0.1:8080")
        let template = RequestTemplate(
            name: "s", method: "POST", path: "/o/${id}", headers: [HeaderField("Authorization", "Bearer ${token}")],
            body: #"{"id": "${id}", "ref": "${uuid}"}"#)
        let request = try EncodedRequest(template, nameIndex: 0, target: target, headers: [], variables: ["id": 0, "token": 1])
        var buffer = ByteBuffer()
        var random = FastRandom(seed: 1)
        request.write(into: &buffer, random: &random, values: [Array("123".utf8), Array("t0k".utf8)], cookie: Array("Cookie: s=1\r\n".utf8))
        let text = String(buffer: buffer)
        #expect(text.hasPrefix("POST /o/123 HTTP/1.1\r\n"))
        #expect(text.contains("Authorization: Bearer t0k\r\nCookie: s=1\r\nContent-Length: "))
        let body = try #require(text.components(separatedBy: "\r\n\r\n").last)
        #expect(text.contains("Content-Length: \(body.utf8.count)\r\n"))
        #expect(body.hasPrefix(#"{"id": "123", "ref": ""#))
        // Outside a flow, ${uuid} and variables are not substitutions.
        #expect(throws: LoadError.self) { try EncodedRequest(template, nameIndex: 0, target: target, headers: []) }
    }
}
