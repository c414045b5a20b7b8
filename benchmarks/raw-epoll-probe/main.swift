import Glibc

// A measuring probe, not part of Tuner: how fast could the load engine be on a transport below
// NIO's channels? One thread per share of the connections, each with its own epoll loop on raw
// non-blocking sockets (as wrk does); closed model, a fixed GET, the engine's own ResponseFramer,
// two clock reads and a histogram increment per request — the engine's per-request work.
// No timeouts, reconnects or error kinds: it is only for benchmarks/loadgen-interleaved.py.
//
// Usage: probe PORT CONNECTIONS SECONDS THREADS   (prints "N requests")
let args = CommandLine.arguments
let port = UInt16(args[1])!
let connections = Int(args[2])!
let seconds = Double(args[3])!
let threads = Int(args[4])!
let request = Array("GET / HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nUser-Agent: tuner/probe\r\n\r\n".utf8)

func now() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}

final class Worker {
    var count = 0
    var histogram = [UInt64](repeating: 0, count: 20_000)
    let connections: Int
    init(connections: Int) { self.connections = connections }

    func run(until deadline: UInt64) {
        let epfd = epoll_create1(0)
        var fds: [Int32] = []
        var framers: [ResponseFramer] = []
        var sent: [UInt64] = []
        for i in 0..<connections {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_port = port.bigEndian
            addr.sin_addr.s_addr = inet_addr("127.0.0.1")
            let r = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
            precondition(r == 0, "connect failed")
            var one: Int32 = 1
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            var ev = epoll_event()
            ev.events = EPOLLIN.rawValue | EPOLLRDHUP.rawValue
            ev.data.u64 = UInt64(i)
            epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev)
            fds.append(fd)
            framers.append(ResponseFramer())
            sent.append(now())
            _ = request.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        }
        var events = [epoll_event](repeating: epoll_event(), count: 256)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 65536, alignment: 16)
        var stop = false
        while !stop {
            let n = epoll_wait(epfd, &events, Int32(events.count), 100)
            if now() >= deadline { stop = true }
            for e in 0..<max(Int(n), 0) {
                let i = Int(events[e].data.u64)
                let got = read(fds[i], buffer.baseAddress, buffer.count)
                if got <= 0 { continue }
                var offset = 0
                let bytes = UnsafeRawBufferPointer(rebasing: buffer[0..<got])
                while offset < got {
                    let (consumed, outcome) = framers[i].parse(UnsafeRawBufferPointer(rebasing: bytes[offset...]))
                    offset += consumed
                    guard outcome == .complete else { break }
                    let end = now()
                    let micros = Int((end - sent[i]) / 1000)
                    histogram[min(micros, histogram.count - 1)] += 1
                    count += 1
                    framers[i].reset()
                    if !stop {
                        sent[i] = now()
                        _ = request.withUnsafeBytes { write(fds[i], $0.baseAddress, $0.count) }
                    }
                }
            }
        }
        for fd in fds { close(fd) }
    }
}

let deadline = now() + UInt64(seconds * 1e9)
let workers = (0..<threads).map { t in Worker(connections: connections / threads + (t < connections % threads ? 1 : 0)) }
var tids: [pthread_t] = []
final class Box { let w: Worker; let d: UInt64; init(_ w: Worker, _ d: UInt64) { self.w = w; self.d = d } }
for w in workers {
    var tid = pthread_t()
    let box = Unmanaged.passRetained(Box(w, deadline)).toOpaque()
    pthread_create(&tid, nil, { p in
        let b = Unmanaged<Box>.fromOpaque(p!).takeRetainedValue()
        b.w.run(until: b.d)
        return nil
    }, box)
    tids.append(tid)
}
for t in tids { pthread_join(t, nil) }
print("\(workers.reduce(0) { $0 + $1.count }) requests")
