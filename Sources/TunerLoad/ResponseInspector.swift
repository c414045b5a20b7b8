import CompressNIO
import Foundation
import NIOCore

/// A flow step's whole response, read only as far as captures, expectations and cookies ask (the framer has
/// already checked the framing, so this reads without validating again). Nothing is parsed up front: a header is
/// found by scanning the header bytes, a JSON value by walking the body's bytes (`JSONScanner`).
struct ResponseInspector {
    let status: Int
    private let bytes: [UInt8]
    /// The final response's header lines (after the status line), up to the blank line.
    private let head: Range<Int>
    private(set) var body: ArraySlice<UInt8>

    /// Reads the bytes of one response (1xx interim responses before it are skipped; a chunked body is joined).
    init(_ bytes: [UInt8]) {
        self.bytes = bytes
        var start = 0
        var status = 0
        var head = 0..<0
        var bodyStart = bytes.count
        while let end = Self.find([13, 10, 13, 10], in: bytes, from: start) {
            // "HTTP/1.1 200 …": the three digits after the first space.
            var index = start
            while index < end && bytes[index] != 32 { index += 1 }
            status = 0
            for digit in bytes[min(index + 1, end)..<min(index + 4, end)] where digit >= 48 && digit <= 57 {
                status = status * 10 + Int(digit - 48)
            }
            let lineEnd = Self.find([13, 10], in: bytes, from: start) ?? end
            head = min(lineEnd + 2, end + 2)..<end + 2
            bodyStart = end + 4
            if (100..<200).contains(status) && status != 101 { start = bodyStart } else { break }
        }
        self.status = status
        self.head = head
        let raw = bytes[min(bodyStart, bytes.count)...]
        body = raw
        if let encoding = header(lowercased: Self.transferEncoding), encoding.lowercased().contains("chunked") {
            body = ArraySlice(Self.dechunk(Array(raw)))
        }
        // A scenario that sends Accept-Encoding gets compressed bodies: captures and expectations read them inflated.
        if let coding = header(lowercased: Self.contentEncoding)?.lowercased(), coding.contains("gzip") || coding.contains("deflate"),
           let inflated = Self.inflate(body, gzip: coding.contains("gzip")) {
            body = ArraySlice(inflated)
        }
    }

    /// The body inflated, or `nil` when it is not what its Content-Encoding says (it is then read as it came).
    private static func inflate(_ body: ArraySlice<UInt8>, gzip: Bool) -> [UInt8]? {
        gzip ? Inflate.gzip(body) : Inflate.deflate(body)
    }

    /// Header lines as (name, value) byte ranges, in order.
    private func forEachHeader(_ body: (Range<Int>, Range<Int>) -> Bool) {
        var index = head.lowerBound
        while index < head.upperBound {
            let end = Self.find([13, 10], in: bytes, from: index).map { min($0, head.upperBound) } ?? head.upperBound
            var colon = index
            while colon < end && bytes[colon] != 58 { colon += 1 }
            if colon < end {
                var valueStart = colon + 1
                while valueStart < end && (bytes[valueStart] == 32 || bytes[valueStart] == 9) { valueStart += 1 }
                var valueEnd = end
                while valueEnd > valueStart && (bytes[valueEnd - 1] == 32 || bytes[valueEnd - 1] == 9) { valueEnd -= 1 }
                if !body(index..<colon, valueStart..<valueEnd) { return }
            }
            index = end + 2
        }
    }

    private func nameMatches(_ range: Range<Int>, _ lowercased: [UInt8]) -> Bool {
        guard range.count == lowercased.count else { return false }
        for (offset, expected) in lowercased.enumerated() {
            var byte = bytes[range.lowerBound + offset]
            if byte >= 65 && byte <= 90 { byte += 32 }
            if byte != expected { return false }
        }
        return true
    }

    /// The first header of that name (case-insensitive).
    func header(_ name: String) -> String? { header(lowercased: Array(name.lowercased().utf8)) }

    /// The first header whose name, lower-cased, is `lower` (given as bytes, so a step's capture or the framing check
    /// does not lower-case a name per response).
    func header(lowercased lower: [UInt8]) -> String? {
        var found: String?
        forEachHeader { name, value in
            guard nameMatches(name, lower) else { return true }
            found = String(decoding: bytes[value], as: UTF8.self)
            return false
        }
        return found
    }

    private static let transferEncoding = Array("transfer-encoding".utf8)
    private static let contentEncoding = Array("content-encoding".utf8)
    private static let setCookie = Array("set-cookie".utf8)

    /// `name=value` of every `Set-Cookie` (attributes dropped).
    var setCookies: [(name: String, value: String)] {
        var cookies: [(String, String)] = []
        forEachHeader { name, value in
            guard nameMatches(name, Self.setCookie) else { return true }
            let field = String(decoding: bytes[value], as: UTF8.self)
            let pair = field.split(separator: ";", maxSplits: 1).first.map(String.init) ?? ""
            if let equals = pair.firstIndex(of: "=") {
                let cookieName = String(pair[..<equals]).trimmingCharacters(in: " ")
                if !cookieName.isEmpty {
                    cookies.append((cookieName, String(pair[pair.index(after: equals)...]).trimmingCharacters(in: " ")))
                }
            }
            return true
        }
        return cookies
    }

    func bodyContains(_ text: [UInt8]) -> Bool {
        text.isEmpty || Self.find(text, in: body, from: body.startIndex) != nil
    }

    /// The value a capture takes, or `nil` when the response does not have it.
    func value(of source: CompiledCapture) -> String? {
        switch source {
        case .json(let path):
            return JSONScanner.value(at: path.components, in: body)
        case .header(let lowercased):
            return header(lowercased: lowercased)
        case .regex(let regex):
            return regex.firstGroup(in: String(decoding: body, as: UTF8.self))
        }
    }

    static func find<C: RandomAccessCollection<UInt8>>(_ needle: [UInt8], in haystack: C, from start: C.Index) -> C.Index?
    where C.Index == Int {
        guard !needle.isEmpty, haystack.endIndex - start >= needle.count else { return nil }
        let first = needle[0]
        var index = start
        let last = haystack.endIndex - needle.count
        while index <= last {
            if haystack[index] == first {
                var matches = true
                for offset in 1..<needle.count where haystack[index + offset] != needle[offset] {
                    matches = false
                    break
                }
                if matches { return index }
            }
            index += 1
        }
        return nil
    }

    private static func dechunk(_ raw: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var index = 0
        while let lineEnd = find([13, 10], in: raw, from: index) {
            let sizeText = String(decoding: raw[index..<lineEnd], as: UTF8.self).split(separator: ";").first ?? ""
            guard let size = Int(String(sizeText).trimmingCharacters(in: " "), radix: 16), size > 0 else { break }
            let dataStart = lineEnd + 2
            guard dataStart + size <= raw.count else { break }
            out += raw[dataStart..<dataStart + size]
            index = dataStart + size + 2
        }
        return out
    }
}

/// How a compiled capture reads its value.
enum CompiledCapture: Sendable {
    case json(JSONPath)
    /// The header's name, lower-cased, as bytes.
    case header([UInt8])
    case regex(CaptureRegex)
}

/// A capture's regular expression, compiled once when the plan is built. `NSRegularExpression` is immutable and
/// safe to use from any thread.
struct CaptureRegex: @unchecked Sendable {
    private let expression: NSRegularExpression

    init(_ pattern: String) throws {
        expression = try NSRegularExpression(pattern: pattern)
    }

    var hasGroup: Bool { expression.numberOfCaptureGroups >= 1 }

    func firstGroup(in text: String) -> String? {
        let whole = NSRange(text.startIndex..., in: text)
        guard let match = expression.firstMatch(in: text, range: whole), match.numberOfRanges > 1,
              let range = Range(match.range(at: 1), in: text)
        else { return nil }
        return String(text[range])
    }
}
