import NIOCore
import TunerCore

/// A request ready for the wire.
///
/// Requests without `${random:A..B}` are encoded once and the same `ByteBuffer` is written every
/// time (NIO only retains it). Requests with random slots keep their literal pieces as bytes and
/// write them, with fresh digits, into the connection's own scratch buffer, whose storage is
/// reused once the previous write is done: no allocation per request either way.
struct EncodedRequest: Sendable {
    /// Index of the request's name in the plan's name list.
    let nameIndex: Int
    let isHEAD: Bool
    /// The whole request, when it has no random slots.
    let fixed: ByteBuffer?
    /// Request line and headers, without `Content-Length` and the blank line.
    let head: [TemplatePart]
    /// `nil` when the request has no body and its method does not expect one.
    let body: [TemplatePart]?

    /// A literal run of bytes, a `${random:A..B}` slot, or (in a flow) a `${uuid}` or a variable's slot.
    enum TemplatePart: Sendable, Equatable {
        case literal([UInt8])
        case random(lower: Int, upper: Int)
        case uuid
        /// An iteration's value: a captured variable or a data-file column (`FlowIteration.values[slot]`).
        case variable(Int)
    }

    /// `variables` maps the names a flow step may use (`token`, `data.user`) to their slots; `${uuid}` is
    /// accepted only in a flow too.
    init(
        _ template: RequestTemplate, nameIndex: Int, target: TargetURL, headers: [HeaderField],
        variables: [String: Int]? = nil
    ) throws(LoadError) {
        self.nameIndex = nameIndex
        let method = template.method.uppercased()
        guard !method.isEmpty, method.utf8.allSatisfy({ $0 >= 65 && $0 <= 90 }) else {
            throw LoadError("request '\(template.name)': bad method '\(template.method)'")
        }
        isHEAD = method == "HEAD"
        var path = template.path.hasPrefix("/") ? template.path : "/" + template.path
        path = target.pathPrefix + path
        guard !path.utf8.contains(where: { $0 <= 32 || $0 == 127 }) else {
            throw LoadError("request '\(template.name)': the path '\(template.path)' contains spaces or control characters; percent-encode them")
        }
        // A header the request names itself replaces a scenario-wide one of the same name, and a `Host` or
        // `User-Agent` the user gives replaces Tuner's own (a virtual host behind an ingress, a client the service
        // expects): one of each on the wire, never two.
        let own = Set(template.headers.map { $0.name.lowercased() })
        let fields = headers.filter { !own.contains($0.name.lowercased()) } + template.headers
        let given = Set(fields.map { $0.name.lowercased() })
        var headText = "\(method) \(path) HTTP/1.1\r\n"
        if !given.contains("host") { headText += "Host: \(target.hostHeader)\r\n" }
        if !given.contains("user-agent") { headText += "User-Agent: tuner/\(TunerVersion.current)\r\n" }
        for field in fields {
            guard !field.value.utf8.contains(where: { $0 == 13 || $0 == 10 }) else {
                throw LoadError("request '\(template.name)': header '\(field.name)' contains a line break")
            }
            headText += "\(field.name): \(field.value)\r\n"
        }
        head = try Self.parts(of: headText, in: template.name, variables: variables)
        let expectsBody = ["POST", "PUT", "PATCH"].contains(method)
        body = try template.body.map { (text) throws(LoadError) in try Self.parts(of: text, in: template.name, variables: variables) }
            ?? (expectsBody ? [] : nil)
        let isFixed = (head + (body ?? [])).allSatisfy { if case .literal = $0 { true } else { false } }
        if isFixed {
            var buffer = ByteBuffer()
            var random = FastRandom(seed: 0)
            Self.write(head: head, body: body, into: &buffer, random: &random)
            fixed = buffer
        } else {
            fixed = nil
        }
    }

    /// Writes the request with fresh random values (the caller clears `buffer` first); a flow step also gets its
    /// iteration's variable values and cookie header line.
    func write(into buffer: inout ByteBuffer, random: inout FastRandom, values: [[UInt8]] = [], cookie: [UInt8]? = nil) {
        Self.write(head: head, body: body, into: &buffer, random: &random, values: values, cookie: cookie)
    }

    private static func write(
        head: [TemplatePart], body: [TemplatePart]?, into buffer: inout ByteBuffer, random: inout FastRandom,
        values: [[UInt8]] = [], cookie: [UInt8]? = nil
    ) {
        // Content-Length depends on the widths of the body's random values: draw them once to
        // measure, then replay the same draws from a copy of the generator's state to write them.
        let bodyStart = random
        var bodyLength = 0
        for part in body ?? [] {
            switch part {
            case .literal(let bytes): bodyLength += bytes.count
            case .random(let lower, let upper): bodyLength += decimalWidth(Int.random(in: lower...upper, using: &random))
            case .uuid:
                _ = (random.next(), random.next())
                bodyLength += 36
            case .variable(let slot): bodyLength += values[slot].count
            }
        }
        var replay = bodyStart
        for part in head { writePart(part, into: &buffer, random: &random, values: values) }
        if let cookie { buffer.writeBytes(cookie) }
        if body != nil {
            buffer.writeStaticString("Content-Length: ")
            writeDecimal(bodyLength, into: &buffer)
            buffer.writeStaticString("\r\n")
        }
        buffer.writeStaticString("\r\n")
        for part in body ?? [] { writePart(part, into: &buffer, random: &replay, values: values) }
    }

    private static func writePart(
        _ part: TemplatePart, into buffer: inout ByteBuffer, random: inout FastRandom, values: [[UInt8]]
    ) {
        switch part {
        case .literal(let bytes): buffer.writeBytes(bytes)
        case .random(let lower, let upper): writeDecimal(Int.random(in: lower...upper, using: &random), into: &buffer)
        case .uuid: writeUUID(high: random.next(), low: random.next(), into: &buffer)
        case .variable(let slot): buffer.writeBytes(values[slot])
        }
    }

    /// A random (version 4, RFC 9562) UUID in its 36-character form.
    static func writeUUID(high: UInt64, low: UInt64, into buffer: inout ByteBuffer) {
        let high = (high & ~0xF000) | 0x4000  // version 4
        let low = (low & ~(0xC << 60)) | (0x8 << 60)  // variant 10
        let hex: StaticString = "0123456789abcdef"
        hex.withUTF8Buffer { digits in
            for index in 0..<32 {
                if index == 8 || index == 12 || index == 16 || index == 20 { buffer.writeInteger(UInt8(45)) }
                let word = index < 16 ? high : low
                let shift = UInt64(60 - (index % 16) * 4)
                buffer.writeInteger(digits[Int((word >> shift) & 0xF)])
            }
        }
    }

    static func decimalWidth(_ value: Int) -> Int {
        var width = value < 0 ? 2 : 1
        var rest = value.magnitude
        while rest >= 10 {
            rest /= 10
            width += 1
        }
        return width
    }

    static func writeDecimal(_ value: Int, into buffer: inout ByteBuffer) {
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: 20) { out in
            var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes of stack scratch
            return withUnsafeMutableBytes(of: &digits) { scratch in
                var rest = value.magnitude
                var start = scratch.count
                repeat {
                    start -= 1
                    scratch[start] = UInt8(truncatingIfNeeded: rest % 10) &+ 48
                    rest /= 10
                } while rest > 0
                if value < 0 {
                    start -= 1
                    scratch[start] = 45
                }
                let width = scratch.count - start
                out.copyMemory(from: UnsafeRawBufferPointer(rebasing: scratch[start...]))
                return width
            }
        }
    }

    /// Splits text at `${random:A..B}` slots; any other `${…}` left here was not resolved and is an error.
    static func parts(of text: String, in requestName: String, variables: [String: Int]? = nil) throws(LoadError) -> [TemplatePart] {
        var parts: [TemplatePart] = []
        var literal: [UInt8] = []
        var rest = Substring(text)
        while let open = rest.range(of: "${") {
            literal += Array(rest[..<open.lowerBound].utf8)
            guard let close = rest[open.upperBound...].firstIndex(of: "}") else {
                throw LoadError("request '\(requestName)': unclosed '${' in '\(text)'")
            }
            let inner = rest[open.upperBound..<close]
            let part: TemplatePart
            if let (lower, upper) = randomRange(inner) {
                part = .random(lower: lower, upper: upper)
            } else if let variables, inner == "uuid" {
                part = .uuid
            } else if let slot = variables?[String(inner)] {
                part = .variable(slot)
            } else {
                throw LoadError("request '\(requestName)': unknown substitution '${\(inner)}'; use ${ENV_NAME} or ${random:1..100}")
            }
            if !literal.isEmpty { parts.append(.literal(literal)) }
            literal = []
            parts.append(part)
            rest = rest[rest.index(after: close)...]
        }
        literal += Array(rest.utf8)
        if !literal.isEmpty { parts.append(.literal(literal)) }
        return parts
    }

    /// Reads `random:A..B` (A ≤ B, both integers).
    static func randomRange(_ inner: Substring) -> (Int, Int)? {
        guard inner.hasPrefix("random:") else { return nil }
        let range = inner.dropFirst("random:".count)
        guard let dots = range.range(of: "..") else { return nil }
        guard let lower = Int(range[..<dots.lowerBound].trimmingCharacters(in: " ")),
              let upper = Int(range[dots.upperBound...].trimmingCharacters(in: " ")), lower <= upper
        else { return nil }
        return (lower, upper)
    }
}

extension Substring {
    fileprivate func trimmingCharacters(in set: String) -> String { String(self).trimmingCharacters(in: set) }
}
