/// Finds a JSONPath's value by walking a JSON document's bytes, building nothing but the value it returns: a
/// flow step's capture runs once per response, and a parser that builds the whole document costs more than the
/// request. Strings come back unescaped; numbers, `true`/`false`, objects and arrays as their JSON text; `null`,
/// a missing key or index, or a document that is not JSON give `nil`.
enum JSONScanner {
    static func value(at path: [JSONPath.Component], in bytes: ArraySlice<UInt8>) -> String? {
        var index = bytes.startIndex
        for component in path {
            skipSpace(bytes, &index)
            guard index < bytes.endIndex else { return nil }
            switch component {
            case .key(let key):
                guard bytes[index] == UInt8(ascii: "{") else { return nil }
                index += 1
                let wanted = Array(key.utf8)
                while true {
                    skipSpace(bytes, &index)
                    guard index < bytes.endIndex, bytes[index] == UInt8(ascii: "\"") else { return nil }
                    guard let (end, escaped) = stringEnd(bytes, from: index) else { return nil }
                    let matches = escaped
                        ? Array(unescape(bytes[(index + 1)..<(end - 1)]).utf8) == wanted
                        : bytes[(index + 1)..<(end - 1)].elementsEqual(wanted)
                    index = end
                    skipSpace(bytes, &index)
                    guard index < bytes.endIndex, bytes[index] == UInt8(ascii: ":") else { return nil }
                    index += 1
                    if matches { break }
                    guard skipValue(bytes, &index) else { return nil }
                    skipSpace(bytes, &index)
                    guard index < bytes.endIndex, bytes[index] == UInt8(ascii: ",") else { return nil }
                    index += 1
                }
            case .index(let wanted):
                guard bytes[index] == UInt8(ascii: "[") else { return nil }
                index += 1
                for _ in 0..<wanted {
                    skipSpace(bytes, &index)
                    guard index < bytes.endIndex, bytes[index] != UInt8(ascii: "]"), skipValue(bytes, &index) else { return nil }
                    skipSpace(bytes, &index)
                    guard index < bytes.endIndex, bytes[index] == UInt8(ascii: ",") else { return nil }
                    index += 1
                }
                skipSpace(bytes, &index)
                guard index < bytes.endIndex, bytes[index] != UInt8(ascii: "]") else { return nil }
            }
        }
        skipSpace(bytes, &index)
        guard index < bytes.endIndex else { return nil }
        let start = index
        if bytes[index] == UInt8(ascii: "\"") {
            guard let (end, escaped) = stringEnd(bytes, from: index) else { return nil }
            let inner = bytes[(index + 1)..<(end - 1)]
            return escaped ? unescape(inner) : String(decoding: inner, as: UTF8.self)
        }
        guard skipValue(bytes, &index) else { return nil }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        return text == "null" ? nil : text
    }

    private static func skipSpace(_ bytes: ArraySlice<UInt8>, _ index: inout Int) {
        while index < bytes.endIndex, bytes[index] == 32 || bytes[index] == 9 || bytes[index] == 10 || bytes[index] == 13 {
            index += 1
        }
    }

    /// The index after a string's closing quote (`index` is at its opening quote), and whether it has escapes.
    private static func stringEnd(_ bytes: ArraySlice<UInt8>, from index: Int) -> (Int, Bool)? {
        var position = index + 1
        var escaped = false
        while position < bytes.endIndex {
            switch bytes[position] {
            case UInt8(ascii: "\\"):
                escaped = true
                position += 2
            case UInt8(ascii: "\""):
                return (position + 1, escaped)
            default:
                position += 1
            }
        }
        return nil
    }

    /// Moves past one value of any kind; false if the bytes end first.
    private static func skipValue(_ bytes: ArraySlice<UInt8>, _ index: inout Int) -> Bool {
        skipSpace(bytes, &index)
        guard index < bytes.endIndex else { return false }
        switch bytes[index] {
        case UInt8(ascii: "\""):
            guard let (end, _) = stringEnd(bytes, from: index) else { return false }
            index = end
            return true
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            var depth = 0
            while index < bytes.endIndex {
                switch bytes[index] {
                case UInt8(ascii: "\""):
                    guard let (end, _) = stringEnd(bytes, from: index) else { return false }
                    index = end
                    continue
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    depth -= 1
                    if depth == 0 {
                        index += 1
                        return true
                    }
                default:
                    break
                }
                index += 1
            }
            return false
        default:
            let start = index
            while index < bytes.endIndex {
                let byte = bytes[index]
                if byte == UInt8(ascii: ",") || byte == UInt8(ascii: "}") || byte == UInt8(ascii: "]") || byte == 32
                    || byte == 9 || byte == 10 || byte == 13 { break }
                index += 1
            }
            return index > start
        }
    }

    /// A string's content with its escapes resolved (`\n`, `\"`, `\u00e9`, surrogate pairs).
    static func unescape(_ bytes: ArraySlice<UInt8>) -> String {
        var scalars = String.UnicodeScalarView()
        var utf8: [UInt8] = []
        var index = bytes.startIndex
        func flush() {
            if !utf8.isEmpty { scalars.append(contentsOf: String(decoding: utf8, as: UTF8.self).unicodeScalars) }
            utf8.removeAll(keepingCapacity: true)
        }
        func hex4(_ at: Int) -> UInt32? {
            guard at + 4 <= bytes.endIndex else { return nil }
            return UInt32(String(decoding: bytes[at..<at + 4], as: UTF8.self), radix: 16)
        }
        while index < bytes.endIndex {
            let byte = bytes[index]
            guard byte == UInt8(ascii: "\\"), index + 1 < bytes.endIndex else {
                utf8.append(byte)
                index += 1
                continue
            }
            let next = bytes[index + 1]
            index += 2
            switch next {
            case UInt8(ascii: "n"): utf8.append(10)
            case UInt8(ascii: "t"): utf8.append(9)
            case UInt8(ascii: "r"): utf8.append(13)
            case UInt8(ascii: "b"): utf8.append(8)
            case UInt8(ascii: "f"): utf8.append(12)
            case UInt8(ascii: "u"):
                guard var code = hex4(index) else { continue }
                index += 4
                if (0xD800..<0xDC00).contains(code), index + 6 <= bytes.endIndex, bytes[index] == UInt8(ascii: "\\"),
                   let low = hex4(index + 2), (0xDC00..<0xE000).contains(low) {
                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    index += 6
                }
                flush()
                scalars.append(Unicode.Scalar(code) ?? "\u{FFFD}")
            default: utf8.append(next)
            }
        }
        flush()
        return String(scalars)
    }
}
