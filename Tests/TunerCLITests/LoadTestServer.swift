import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A small HTTP/1.1 server on 127.0.0.1, port 0, on plain sockets and threads, for running the
/// built `tuner` binary against. `/status/NNN` answers that status; anything else `200 hello`.
final class LoadTestServer: @unchecked Sendable {
    // @unchecked: `clients` is only touched under `lock`; the rest is immutable.
    enum Mode: Sendable {
        case normal
        /// Answers with bytes that are not HTTP.
        case garbage
        /// Reads and never answers.
        case silent
        /// Accepts and closes at once.
        case closeImmediately
        /// Answers every request with a body this large, sent in 64 kB pieces.
        case hugeBody(Int)
    }

    let port: Int
    private let listener: Int32
    private let mode: Mode
    private let lock = NSLock()
    private var clients: Set<Int32> = []
    private var answered = 0

    /// Requests answered so far (a test waits for the load to have begun instead of sleeping a guess).
    var requestCount: Int { lock.withLock { answered } }

    init(_ mode: Mode = .normal) throws {
        self.mode = mode
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.listener = listener
        var yes: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(listener, pointer, length) == 0 && listen(listener, 512) == 0
                    && getsockname(listener, pointer, &length) == 0
            }
        }
        guard bound else { throw POSIXError(.EADDRINUSE) }
        port = Int(UInt16(bigEndian: address.sin_port))
        Thread.detachNewThread { [self] in acceptLoop() }
    }

    var url: String { "http://127.0.0.1:\(port)" }

    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
        lock.lock()
        for client in clients { shutdown(client, Int32(SHUT_RDWR)) }
        lock.unlock()
    }

    private func acceptLoop() {
        while true {
            let client = accept(listener, nil, nil)
            guard client >= 0 else { return }
            if case .closeImmediately = mode {
                close(client)
                continue
            }
            lock.lock()
            clients.insert(client)
            lock.unlock()
            Thread.detachNewThread { [self] in
                serve(client)
                lock.lock()
                clients.remove(client)
                lock.unlock()
                close(client)
            }
        }
    }

    private func serve(_ client: Int32) {
        var pending: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(client, $0.baseAddress, $0.count) }
            guard n > 0 else { return }
            pending += chunk[0..<n]
            while let (path, consumed) = Self.request(in: pending) {
                pending.removeFirst(consumed)
                lock.withLock { answered += 1 }
                guard respond(to: path, on: client) else { return }
            }
        }
    }

    /// The path of the first complete request in `bytes`, and how many bytes it took.
    private static func request(in bytes: [UInt8]) -> (String, Int)? {
        let end = Array("\r\n\r\n".utf8)
        guard bytes.count >= 4, let headEnd = (0...(bytes.count - 4)).first(where: { Array(bytes[$0..<$0 + 4]) == end }) else {
            return nil
        }
        let head = String(decoding: bytes[..<headEnd], as: UTF8.self)
        let lines = head.components(separatedBy: "\r\n")
        let path = lines.first?.split(separator: " ").dropFirst().first.map(String.init) ?? "/"
        let length = lines.first { $0.lowercased().hasPrefix("content-length:") }
            .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
        let total = headEnd + 4 + length
        return bytes.count >= total ? (path, total) : nil
    }

    private func respond(to path: String, on client: Int32) -> Bool {
        switch mode {
        case .silent, .closeImmediately:
            return true
        case .garbage:
            return send(Array("SSH-2.0-OpenSSH_9.2\r\nthis is not HTTP\r\n\r\n".utf8), to: client)
        case .hugeBody(let size):
            guard send(Array("HTTP/1.1 200 OK\r\nContent-Length: \(size)\r\n\r\n".utf8), to: client) else { return false }
            let block = [UInt8](repeating: 0x62, count: 65_536)
            var left = size
            while left > 0 {
                guard send(Array(block[0..<min(left, block.count)]), to: client) else { return false }
                left -= block.count
            }
            return true
        case .normal:
            let parts = path.split(separator: "/")
            let status = parts.first == "status" ? parts.dropFirst().first.flatMap { Int($0) } ?? 200 : 200
            let body = status == 200 ? "hello\n" : "status \(status)\n"
            return send(Array("HTTP/1.1 \(status) X\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)".utf8), to: client)
        }
    }

    private func send(_ bytes: [UInt8], to client: Int32) -> Bool {
        var offset = 0
        while offset < bytes.count {
            // MSG_NOSIGNAL: a client that went away must not kill the test process with SIGPIPE.
            let n = bytes[offset...].withUnsafeBytes { Glibc.send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { return false }
            offset += n
        }
        return true
    }
}
