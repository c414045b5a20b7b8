import Foundation

/// A flow step's whole response, split into what captures, expectations and cookies read. Only flow steps keep
/// their responses (the framer has already checked the framing, so this reads without validating again).
struct ResponseInspector {
    let status: Int
    /// Header fields in order, names as sent.
    let headers: [(name: String, value: String)]
    let body: [UInt8]

    /// Reads the bytes of one response (1xx interim responses before it are skipped; a chunked body is joined).
    init(_ bytes: [UInt8]) {
        var start = 0
        var status = 0
        var headers: [(String, String)] = []
        var bodyStart = bytes.count
        while true {
            guard let end = Self.find([13, 10, 13, 10], in: bytes, from: start) else { break }
            let lines = String(decoding: bytes[start..<end], as: UTF8.self).split(separator: "\r\n", omittingEmptySubsequences: false)
            let statusLine = lines.first.map(String.init) ?? ""
            status = statusLine.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
            headers = lines.dropFirst().compactMap { line in
                guard let colon = line.firstIndex(of: ":") else { return nil }
                return (String(line[..<colon]), String(line[line.index(after: colon)...]).trimmingCharacters(in: " \t"))
            }
            bodyStart = end + 4
            if (100..<200).contains(status) && status != 101 { start = bodyStart } else { break }
        }
        self.status = status
        self.headers = headers
        let raw = Array(bytes[min(bodyStart, bytes.count)...])
        let chunked = headers.contains { $0.0.lowercased() == "transfer-encoding" && $0.1.lowercased().contains("chunked") }
        body = chunked ? Self.dechunk(raw) : raw
    }

    /// The first header of that name (case-insensitive).
    func header(_ name: String) -> String? {
        let lower = name.lowercased()
        return headers.first { $0.name.lowercased() == lower }?.value
    }

    /// `name=value` of every `Set-Cookie` (attributes dropped).
    var setCookies: [(name: String, value: String)] {
        headers.compactMap { field in
            guard field.name.lowercased() == "set-cookie" else { return nil }
            let pair = field.value.split(separator: ";", maxSplits: 1).first.map(String.init) ?? ""
            guard let equals = pair.firstIndex(of: "=") else { return nil }
            let name = String(pair[..<equals]).trimmingCharacters(in: " ")
            return name.isEmpty ? nil : (name, String(pair[pair.index(after: equals)...]).trimmingCharacters(in: " "))
        }
    }

    func bodyContains(_ text: [UInt8]) -> Bool {
        text.isEmpty || Self.find(text, in: body, from: 0) != nil
    }

    /// The value a capture takes, or `nil` when the response does not have it.
    func value(of source: CompiledCapture) -> String? {
        switch source {
        case .json(let path):
            guard let root = try? JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed]) else { return nil }
            return Self.walk(root, path.components).flatMap(Self.text)
        case .header(let name):
            return header(name)
        case .regex(let regex):
            return regex.firstGroup(in: String(decoding: body, as: UTF8.self))
        }
    }

    private static func walk(_ value: Any, _ components: [JSONPath.Component]) -> Any? {
        var current: Any = value
        for component in components {
            switch component {
            case .key(let key):
                guard let object = current as? [String: Any], let next = object[key] else { return nil }
                current = next
            case .index(let index):
                guard let array = current as? [Any], index < array.count else { return nil }
                current = array[index]
            }
        }
        return current
    }

    /// A JSON value as text: strings as they are, numbers without a needless `.0`, objects and arrays as JSON.
    private static func text(_ value: Any) -> String? {
        switch value {
        case is NSNull: return nil
        case let string as String: return string
        case let number as NSNumber:
            if String(cString: number.objCType) == "c" { return number.boolValue ? "true" : "false" }
            let double = number.doubleValue
            if double == double.rounded(), abs(double) < 1e15 { return String(Int64(double)) }
            return "\(double)"
        default:
            guard let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys]) else { return nil }
            return String(decoding: data, as: UTF8.self)
        }
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard !needle.isEmpty, haystack.count - start >= needle.count else { return nil }
        let first = needle[0]
        var index = start
        let last = haystack.count - needle.count
        while index <= last {
            if haystack[index] == first && haystack[index..<index + needle.count].elementsEqual(needle) { return index }
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
    case header(String)
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
