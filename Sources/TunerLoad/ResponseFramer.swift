/// Finds where each HTTP/1.x response ends, byte by byte, without keeping any of it.
///
/// The load engine cannot afford NIOHTTP1's decoder (it builds header strings for every
/// response); this framer only extracts what framing needs — status code, `Content-Length`,
/// `Transfer-Encoding: chunked`, `Connection` — and counts body bytes. It is a resumable state
/// machine, so a response may arrive split at any byte. Anything it does not understand is
/// `.malformed`, never a crash; it is differential-tested against NIOHTTP1 on the same bytes.
struct ResponseFramer {
    /// What a call to `parse` ended with.
    enum Outcome: Equatable {
        /// Every byte given was consumed; the response is not complete yet.
        case needMoreData
        /// A final response ended; `consumed` says where (bytes after it belong to the next one).
        case complete
        /// The bytes are not a valid HTTP/1.x response.
        case malformed(Problem)
    }

    /// Why a response was rejected (for notes and tests).
    enum Problem: String, Equatable, Sendable {
        case badStatusLine = "invalid status line"
        case badHeader = "invalid header"
        case badContentLength = "invalid Content-Length"
        case conflictingLength = "both Content-Length and Transfer-Encoding, or Content-Length twice"
        case badChunk = "invalid chunked encoding"
        case headersTooLarge = "response headers larger than 64 kB"
        case unexpectedUpgrade = "101 Switching Protocols was not asked for"
        case truncated = "connection closed before the response was complete"
    }

    /// Largest header section accepted (NIOHTTP1 accepts 80 kB; real servers send far less).
    static let maxHeaderBytes = 64 * 1024

    /// Status code of the final response (valid once `.complete`).
    private(set) var statusCode = 0
    /// Body bytes of the final response (after de-chunking).
    private(set) var bodyBytes: UInt64 = 0
    /// Every byte of this response, 1xx responses, headers and chunk framing included.
    private(set) var totalBytes: UInt64 = 0
    /// False when the connection must be closed after this response.
    private(set) var isKeepAlive = true
    /// True once the current response's first byte arrived (empty lines before it do not count).
    var hasStarted: Bool { isStarted }

    private var state = State.version
    private var isStarted = false
    private var expectsBody = true
    private var index = 0  // position within the version literal, status digits, or a header name
    private var versionMinor: UInt8 = 1
    private var headerBytes = 0
    private var remaining: UInt64 = 0  // Content-Length left, or chunk bytes left
    private var contentLength: UInt64?
    private var hasTransferEncoding = false
    private var isChunked = false
    private var connectionClose = false
    private var connectionKeepAlive = false
    private var isTrailer = false
    // Header name matching: one bit per header the framer cares about.
    private var candidates: UInt8 = 0
    private var current: UInt8 = 0  // the header whose value is being read
    // Token matching inside Transfer-Encoding / Connection values.
    private var tokenLength = 0
    private var tokenMatches: UInt8 = 0
    private var sawDigit = false

    private enum State: UInt8 {
        case version, versionMinor, spaceBeforeStatus, status, afterStatus, reason, statusLF
        case lineStart, headerName, valueStart, value, valueLF, headersEndLF
        case fixedBody, chunkSize, chunkExtension, chunkSizeLF, chunkData, chunkDataCR, chunkDataLF
        case untilClose, done, failed
    }

    private static let contentLengthBit: UInt8 = 1
    private static let transferEncodingBit: UInt8 = 2
    private static let connectionBit: UInt8 = 4
    private static let chunkedBit: UInt8 = 1
    private static let closeBit: UInt8 = 2
    private static let keepAliveBit: UInt8 = 4

    /// Prepares for the response to the next request; HEAD responses carry no body.
    mutating func reset(isHEAD: Bool = false) {
        self = ResponseFramer()
        expectsBody = !isHEAD
    }

    /// Consumes bytes until a response completes, the bytes run out, or they are malformed.
    mutating func parse(_ bytes: UnsafeRawBufferPointer) -> (consumed: Int, outcome: Outcome) {
        var i = 0
        let count = bytes.count
        if state == .version && !isStarted, let headEnd = parseWholeHead(bytes) { i = headEnd }
        while i < count {
            switch state {
            case .fixedBody, .chunkData:
                let take = Int(min(remaining, UInt64(count - i)))
                remaining -= UInt64(take)
                bodyBytes += UInt64(take)
                i += take
                if remaining == 0 {
                    if state == .chunkData {
                        state = .chunkDataCR
                    } else {
                        state = .done
                    }
                }
            case .untilClose:
                bodyBytes += UInt64(count - i)
                i = count
            case .reason:
                fallthrough
            case .value where current == 0:
                // Fast path: nothing in the reason phrase or an uninteresting header value matters
                // up to the line end (or, in a value, a control character), so skip to it.
                let isValue = state == .value
                var j = i
                while j < count {
                    let byte = bytes[j]
                    if byte == 13 || byte == 10 || (isValue && ((byte < 32 && byte != 9) || byte == 127)) { break }
                    j += 1
                }
                headerBytes += j - i
                if headerBytes > Self.maxHeaderBytes {
                    state = .failed
                    totalBytes += UInt64(j)
                    return (j, .malformed(.headersTooLarge))
                }
                i = j
                if i < count {
                    if let problem = step(bytes[i]) {
                        state = .failed
                        totalBytes += UInt64(i + 1)
                        return (i + 1, .malformed(problem))
                    }
                    i += 1
                }
            case .headerName where candidates == 0:
                // Fast path: a header the framer does not care about; skip its name up to the colon.
                var j = i
                while j < count && Self.isTokenCharacter(bytes[j]) { j += 1 }
                headerBytes += j - i
                if headerBytes > Self.maxHeaderBytes {
                    state = .failed
                    totalBytes += UInt64(j)
                    return (j, .malformed(.headersTooLarge))
                }
                i = j
                if i < count {
                    if let problem = step(bytes[i]) {
                        state = .failed
                        totalBytes += UInt64(i + 1)
                        return (i + 1, .malformed(problem))
                    }
                    i += 1
                }
            case .done:
                totalBytes += UInt64(i)
                return (i, .complete)
            case .failed:
                return (i, .malformed(.badHeader))
            default:
                if let problem = step(bytes[i]) {
                    state = .failed
                    totalBytes += UInt64(i + 1)
                    return (i + 1, .malformed(problem))
                }
                i += 1
            }
        }
        totalBytes += UInt64(i)
        if state == .done { return (i, .complete) }
        return (i, .needMoreData)
    }

    /// The common case in one pass: a whole, plain response head at the start of `bytes` — CRLF
    /// line ends, a final status (200–599), no Transfer-Encoding, at most one numeric
    /// Content-Length, and Connection only as `close` or `keep-alive`. On success the framer is in
    /// the state the byte-wise path would reach after the head, and the head's length is returned.
    /// Anything else (a split head, odd spacing, 1xx, chunked) returns nil without changing
    /// anything, and the byte-wise state machine frames it — and finds any error — as before.
    mutating func parseWholeHead(_ bytes: UnsafeRawBufferPointer) -> Int? {
        let count = min(bytes.count, Self.maxHeaderBytes)
        // "HTTP/1.x ddd" then a space and a reason phrase, or the line end.
        guard count >= 16, bytes[0] == 72, bytes[1] == 84, bytes[2] == 84, bytes[3] == 80, bytes[4] == 47,
              bytes[5] == 49, bytes[6] == 46, isDigit(bytes[7]), bytes[8] == 32,
              isDigit(bytes[9]), isDigit(bytes[10]), isDigit(bytes[11])
        else { return nil }
        let status = Int(bytes[9] &- 48) * 100 + Int(bytes[10] &- 48) * 10 + Int(bytes[11] &- 48)
        guard status >= 200 && status <= 599 else { return nil }
        var i = 12
        if bytes[i] == 32 {
            while i < count && bytes[i] != 13 && bytes[i] != 10 { i += 1 }
        }
        guard i + 1 < count, bytes[i] == 13, bytes[i + 1] == 10 else { return nil }
        i += 2
        var length: UInt64?
        var close = false
        var keepAlive = false
        while true {
            guard i + 1 < count else { return nil }
            if bytes[i] == 13 {
                guard bytes[i + 1] == 10 else { return nil }
                i += 2
                break
            }
            // Name: token characters up to the colon.
            let nameStart = i
            while i < count && Self.isTokenCharacter(bytes[i]) { i += 1 }
            guard i < count, bytes[i] == 58, i > nameStart else { return nil }
            let nameLength = i - nameStart
            i += 1
            // Value: optional whitespace, then visible characters up to CRLF.
            while i < count && (bytes[i] == 32 || bytes[i] == 9) { i += 1 }
            let valueStart = i
            while i < count {
                let byte = bytes[i]
                if (byte < 32 && byte != 9) || byte == 127 { break }
                i += 1
            }
            guard i + 1 < count, bytes[i] == 13, bytes[i + 1] == 10 else { return nil }
            var valueEnd = i
            while valueEnd > valueStart && (bytes[valueEnd - 1] == 32 || bytes[valueEnd - 1] == 9) { valueEnd -= 1 }
            i += 2
            switch nameLength {
            case 14 where Self.name(bytes, at: nameStart, is: "content-length"):
                guard length == nil, valueEnd > valueStart, valueEnd - valueStart <= 15 else { return nil }
                var value: UInt64 = 0
                for j in valueStart..<valueEnd {
                    guard isDigit(bytes[j]) else { return nil }
                    value = value * 10 + UInt64(bytes[j] &- 48)
                }
                length = value
            case 17 where Self.name(bytes, at: nameStart, is: "transfer-encoding"):
                return nil
            case 10 where Self.name(bytes, at: nameStart, is: "connection"):
                if valueEnd - valueStart == 10 && Self.name(bytes, at: valueStart, is: "keep-alive") {
                    keepAlive = true
                } else if valueEnd - valueStart == 5 && Self.name(bytes, at: valueStart, is: "close") {
                    close = true
                } else {
                    return nil
                }
            default:
                break
            }
        }
        isStarted = true
        versionMinor = bytes[7] &- 48
        statusCode = status
        contentLength = length
        connectionClose = close
        connectionKeepAlive = keepAlive
        _ = endOfHeaders()  // cannot fail here: final status in range, no Transfer-Encoding
        return i
    }

    /// Whether the bytes at `start` spell `word` (lowercase letters and '-'), ignoring case.
    @inline(__always)
    private static func name(_ bytes: UnsafeRawBufferPointer, at start: Int, is word: StaticString) -> Bool {
        let letters = word.utf8Start
        for k in 0..<word.utf8CodeUnitCount where bytes[start + k] | 0x20 != letters[k] { return false }
        return true
    }

    /// The peer closed the connection: completes a read-until-close body, else says what was cut.
    mutating func finishOnClose() -> Outcome {
        switch state {
        case .untilClose, .done:
            state = .done
            isKeepAlive = false
            return .complete
        default:
            return .malformed(.truncated)
        }
    }

    /// One byte of the head, a chunk header or a trailer; returns a problem when it is not valid there.
    private mutating func step(_ byte: UInt8) -> Problem? {
        switch state {
        case .version:
            // Empty lines before a response are skipped, as llhttp does.
            if index == 0 && (byte == 13 || byte == 10) { break }
            isStarted = true
            let literal: StaticString = "HTTP/1."
            guard byte == literal.utf8Start[index] else { return .badStatusLine }
            index += 1
            if index == literal.utf8CodeUnitCount { state = .versionMinor }
        case .versionMinor:
            guard isDigit(byte) else { return .badStatusLine }
            versionMinor = byte &- 48
            state = .spaceBeforeStatus
        case .spaceBeforeStatus:
            guard byte == 32 else { return .badStatusLine }
            state = .status
            index = 0
            statusCode = 0
        case .status:
            guard isDigit(byte) else { return .badStatusLine }
            statusCode = statusCode * 10 + Int(byte &- 48)
            index += 1
            if index == 3 { state = .afterStatus }
        case .afterStatus:
            switch byte {
            case 32: state = .reason
            case 13: state = .statusLF
            case 10: startHeaders()
            default: return .badStatusLine
            }
        case .reason:
            // Anything up to the line end, as llhttp accepts.
            switch byte {
            case 13: state = .statusLF
            case 10: startHeaders()
            default: break
            }
        case .statusLF:
            // llhttp consumes the byte after the status line's CR whatever it is; so do we, to frame alike.
            startHeaders()
        case .lineStart:
            switch byte {
            case 13: state = .headersEndLF
            case 10: return endOfHeaders()
            default:
                guard isTokenCharacter(byte) else { return .badHeader }
                state = .headerName
                index = 0
                candidates = isTrailer ? 0 : Self.contentLengthBit | Self.transferEncodingBit | Self.connectionBit
                matchName(byte)
            }
        case .headerName:
            if byte == 58 {  // ':'
                current = finishName()
                tokenLength = 0
                tokenMatches = 0
                sawDigit = false
                if current == Self.contentLengthBit {
                    if contentLength != nil { return .conflictingLength }
                    contentLength = 0
                }
                if current == Self.transferEncodingBit {
                    hasTransferEncoding = true
                    tokenMatches = Self.chunkedBit
                }
                if current == Self.connectionBit { tokenMatches = Self.closeBit | Self.keepAliveBit }
                state = .valueStart
            } else {
                guard isTokenCharacter(byte) else { return .badHeader }
                matchName(byte)
            }
        case .valueStart, .value:
            switch byte {
            case 13:
                if let problem = endOfValue() { return problem }
                state = .valueLF
            case 10:
                if let problem = endOfValue() { return problem }
                state = .lineStart
            case 32, 9:
                if state == .value, let problem = valueByte(byte) { return problem }
            case 0...31, 127:
                return .badHeader
            default:
                state = .value
                if let problem = valueByte(byte) { return problem }
            }
        case .valueLF:
            guard byte == 10 else { return .badHeader }
            state = .lineStart
        case .headersEndLF:
            guard byte == 10 else { return .badHeader }
            return endOfHeaders()
        case .chunkSize:
            if let digit = hexValue(byte) {
                guard index < 15 else { return .badChunk }
                remaining = remaining << 4 | UInt64(digit)
                index += 1
            } else if index == 0 {
                return .badChunk
            } else {
                switch byte {
                case 13: state = .chunkSizeLF
                case 10: endOfChunkSize()
                case 59, 32, 9: state = .chunkExtension  // ';' or whitespace before one
                default: return .badChunk
                }
            }
        case .chunkExtension:
            switch byte {
            case 13: state = .chunkSizeLF
            case 10: endOfChunkSize()
            case 0...8, 11...31, 127: return .badChunk
            default: break
            }
        case .chunkSizeLF:
            guard byte == 10 else { return .badChunk }
            endOfChunkSize()
        case .chunkDataCR:
            switch byte {
            case 13: state = .chunkDataLF
            case 10: startChunk()
            default: return .badChunk
            }
        case .chunkDataLF:
            guard byte == 10 else { return .badChunk }
            startChunk()
        case .fixedBody, .chunkData, .untilClose, .done, .failed:
            break
        }
        headerBytes += 1
        if headerBytes > Self.maxHeaderBytes && state != .fixedBody && state != .chunkData {
            return .headersTooLarge
        }
        return nil
    }

    private mutating func startHeaders() {
        state = .lineStart
    }

    private mutating func startChunk() {
        state = .chunkSize
        index = 0
        remaining = 0
    }

    private mutating func endOfChunkSize() {
        if remaining == 0 {
            isTrailer = true
            state = .lineStart
        } else {
            state = .chunkData
            headerBytes = 0
        }
    }

    private mutating func matchName(_ byte: UInt8) {
        let lower = byte | 0x20  // only compared against lowercase letters and '-'
        if candidates & Self.contentLengthBit != 0 && !matches("content-length", lower) {
            candidates &= ~Self.contentLengthBit
        }
        if candidates & Self.transferEncodingBit != 0 && !matches("transfer-encoding", lower) {
            candidates &= ~Self.transferEncodingBit
        }
        if candidates & Self.connectionBit != 0 && !matches("connection", lower) {
            candidates &= ~Self.connectionBit
        }
        index += 1
    }

    private func matches(_ name: StaticString, _ lower: UInt8) -> Bool {
        Self.word(name, has: lower, at: index)
    }

    private static func word(_ word: StaticString, has lower: UInt8, at position: Int) -> Bool {
        position < word.utf8CodeUnitCount && word.utf8Start[position] == lower
    }

    private func finishName() -> UInt8 {
        if candidates & Self.contentLengthBit != 0 && index == 14 { return Self.contentLengthBit }
        if candidates & Self.transferEncodingBit != 0 && index == 17 { return Self.transferEncodingBit }
        if candidates & Self.connectionBit != 0 && index == 10 { return Self.connectionBit }
        return 0
    }

    private mutating func valueByte(_ byte: UInt8) -> Problem? {
        switch current {
        case Self.contentLengthBit:
            if isDigit(byte) {
                guard !(sawDigit && tokenLength > 0) else { return .badContentLength }  // digits after a space
                guard let value = contentLength, value < 1 << 56 else { return .badContentLength }
                contentLength = value * 10 + UInt64(byte &- 48)
                sawDigit = true
            } else if byte == 32 || byte == 9 {
                if sawDigit { tokenLength = 1 }  // trailing whitespace: no more digits allowed
            } else {
                return .badContentLength
            }
        case Self.transferEncodingBit, Self.connectionBit:
            matchToken(byte)
        default:
            break
        }
        return nil
    }

    /// Tracks whether the last comma-separated token of the value is `chunked` (Transfer-Encoding)
    /// or any token is `close` / `keep-alive` (Connection).
    private mutating func matchToken(_ byte: UInt8) {
        if byte == 44 {  // ','
            finishToken()
            tokenLength = 0
            tokenMatches = current == Self.transferEncodingBit ? Self.chunkedBit : Self.closeBit | Self.keepAliveBit
            return
        }
        if byte == 32 || byte == 9 {
            if tokenLength > 0 { tokenLength = -tokenLength }  // trailing whitespace ends the token
            return
        }
        guard tokenLength >= 0 else {
            tokenMatches = 0
            return
        }
        let lower = byte | 0x20
        if tokenMatches & Self.chunkedBit != 0 && !Self.word("chunked", has: lower, at: tokenLength) {
            tokenMatches &= ~Self.chunkedBit
        }
        if tokenMatches & Self.closeBit != 0 && !Self.word("close", has: lower, at: tokenLength) {
            tokenMatches &= ~Self.closeBit
        }
        if tokenMatches & Self.keepAliveBit != 0 && !Self.word("keep-alive", has: lower, at: tokenLength) {
            tokenMatches &= ~Self.keepAliveBit
        }
        tokenLength += 1
    }

    private mutating func finishToken() {
        let length = abs(tokenLength)
        switch current {
        case Self.transferEncodingBit:
            isChunked = tokenMatches & Self.chunkedBit != 0 && length == 7
        case Self.connectionBit:
            if tokenMatches & Self.closeBit != 0 && length == 5 { connectionClose = true }
            if tokenMatches & Self.keepAliveBit != 0 && length == 10 { connectionKeepAlive = true }
        default:
            break
        }
    }

    private mutating func endOfValue() -> Problem? {
        switch current {
        case Self.contentLengthBit:
            if !sawDigit { return .badContentLength }
        case Self.transferEncodingBit, Self.connectionBit:
            finishToken()
        default:
            break
        }
        current = 0
        return nil
    }

    private mutating func endOfHeaders() -> Problem? {
        if isTrailer {
            state = .done
            return nil
        }
        headerBytes = 0
        if statusCode == 101 { return .unexpectedUpgrade }
        // RFC 9110 codes are 100–599; NIO passes others through, the engine counts them as protocol errors.
        if statusCode < 100 || statusCode > 599 { return .badStatusLine }
        if statusCode < 200 {
            // Informational: the final response follows on the same request.
            let keepHEAD = expectsBody
            let bytesSoFar = totalBytes
            self = ResponseFramer()
            expectsBody = keepHEAD
            totalBytes = bytesSoFar
            isStarted = true
            return nil
        }
        if hasTransferEncoding && contentLength != nil { return .conflictingLength }
        isKeepAlive = versionMinor >= 1 ? !connectionClose : connectionKeepAlive && !connectionClose
        if !expectsBody || statusCode == 204 || statusCode == 304 {
            state = .done
        } else if hasTransferEncoding {
            if isChunked {
                startChunk()
            } else {
                state = .untilClose
                isKeepAlive = false
            }
        } else if let length = contentLength {
            remaining = length
            state = length == 0 ? .done : .fixedBody
        } else {
            state = .untilClose
            isKeepAlive = false
        }
        return nil
    }

    private func isDigit(_ byte: UInt8) -> Bool { byte >= 48 && byte <= 57 }

    private func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 48...57: byte - 48
        case 65...70: byte - 55
        case 97...102: byte - 87
        default: nil
        }
    }

    /// RFC 9110 `tchar` (`!#$%&'*+-.^_`|~`, digits, letters) as two 64-bit masks over ASCII.
    @inline(__always)
    private static func isTokenCharacter(_ byte: UInt8) -> Bool {
        byte < 64 ? (0x03ff_6cfa_0000_0000 as UInt64) >> byte & 1 == 1
            : byte < 128 ? (0x57ff_ffff_c7ff_fffe as UInt64) >> (byte - 64) & 1 == 1 : false
    }

    private func isTokenCharacter(_ byte: UInt8) -> Bool { Self.isTokenCharacter(byte) }
}
