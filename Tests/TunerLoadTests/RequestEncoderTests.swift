import NIOCore
import Testing
import TunerCore
@testable import TunerLoad

@Suite struct RequestEncoderTests {
    let target = try! TargetURL("http://127.0.0.1:8080/api")

    @Test func fixedRequestIsEncodedOnce() throws {
        let template = RequestTemplate(name: "list", path: "/products?page=1", headers: [HeaderField("Accept", "application/json")])
        let request = try EncodedRequest(template, nameIndex: 0, target: target, headers: [HeaderField("Authorization", "Bearer t")])
        let text = try #require(request.fixed.map { String(buffer: $0) })
        #expect(text == "GET /api/products?page=1 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: tuner/\(TunerVersion.current)\r\nAuthorization: Bearer t\r\nAccept: application/json\r\n\r\n")
    }

    @Test func aGivenHostOrUserAgentReplacesTunersOwnAndARequestsHeaderReplacesTheScenarios() throws {
        let template = RequestTemplate(name: "list", path: "/", headers: [HeaderField("authorization", "Bearer mine")])
        let request = try EncodedRequest(template, nameIndex: 0, target: target, headers: [
            HeaderField("host", "shop.example.com"), HeaderField("User-Agent", "checkout-app/2"),
            HeaderField("Authorization", "Bearer everyone"),
        ])
        let text = try #require(request.fixed.map { String(buffer: $0) })
        #expect(text == "GET /api/ HTTP/1.1\r\nhost: shop.example.com\r\nUser-Agent: checkout-app/2\r\nauthorization: Bearer mine\r\n\r\n")
    }

    @Test func postCarriesContentLength() throws {
        let template = RequestTemplate(name: "order", method: "post", path: "/orders", body: #"{"customer":1}"#)
        let request = try EncodedRequest(template, nameIndex: 0, target: target, headers: [])
        let text = String(buffer: try #require(request.fixed))
        #expect(text.hasPrefix("POST /api/orders HTTP/1.1\r\n"))
        #expect(text.hasSuffix("Content-Length: 14\r\n\r\n{\"customer\":1}"))
    }

    @Test func randomSlotsStayInRangeAndKeepContentLengthRight() throws {
        let template = RequestTemplate(
            name: "product", method: "PUT", path: "/products/${random:1..100000}",
            body: #"{"qty":${random:1..9999},"id":${random:-5..5}}"#)
        let request = try EncodedRequest(template, nameIndex: 0, target: target, headers: [])
        #expect(request.fixed == nil)
        var random = FastRandom(seed: 1)
        var buffer = ByteBuffer()
        var ids = Set<Int>()
        for _ in 0..<2_000 {
            buffer.clear()
            request.write(into: &buffer, random: &random)
            let text = String(buffer: buffer)
            let path = text.split(separator: " ")[1]
            let id = try #require(Int(path.split(separator: "/").last!))
            #expect((1...100_000).contains(id))
            ids.insert(id)
            let parts = text.components(separatedBy: "\r\n\r\n")
            let length = try #require(parts[0].split(separator: "\r\n").first { $0.hasPrefix("Content-Length: ") })
            #expect(Int(length.dropFirst("Content-Length: ".count)) == parts[1].utf8.count)
        }
        #expect(ids.count > 1_900)  // fresh values, not a small pool
    }

    @Test func scratchBufferIsReusedWithoutGrowing() throws {
        let template = RequestTemplate(name: "p", path: "/p/${random:1..9}")
        let request = try EncodedRequest(template, nameIndex: 0, target: target, headers: [])
        var random = FastRandom(seed: 3)
        var buffer = ByteBuffer()
        request.write(into: &buffer, random: &random)
        let capacity = buffer.capacity
        for _ in 0..<1_000 {
            buffer.clear()
            request.write(into: &buffer, random: &random)
        }
        #expect(buffer.capacity == capacity)
    }

    @Test(arguments: ["${random:5..1}", "${random:a..b}", "${other}", "${random:1..2"])
    func badSubstitutionsAreErrors(_ path: String) {
        #expect(throws: LoadError.self) {
            _ = try EncodedRequest(RequestTemplate(name: "x", path: "/" + path), nameIndex: 0, target: target, headers: [])
        }
    }

    @Test func environmentIsSubstitutedAndMissingVariablesNamed() throws {
        let resolved = try LoadPlan.substituteEnvironment(in: "Bearer ${TOKEN}/${random:1..2}", environment: ["TOKEN": "abc"], place: "h")
        #expect(resolved == "Bearer abc/${random:1..2}")
        #expect(throws: LoadError.self) {
            _ = try LoadPlan.substituteEnvironment(in: "${MISSING}", environment: [:], place: "header 'Authorization'")
        }
    }
}
