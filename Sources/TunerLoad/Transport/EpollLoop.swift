#if os(Linux)
import CEpoll
import Dispatch
import Glibc
import NIOCore
import Synchronization

/// The engine's own event loop: one thread, one `epoll` instance over raw non-blocking sockets (as wrk runs),
/// with a `timerfd` for timers and an `eventfd` to be woken from other threads.
///
/// It is a NIO `EventLoop`, so the scheduler above it (`LoopWorker`, `WorkloadRunner`, futures, `NIOLoopBound`)
/// runs on it unchanged; only connections differ (`EpollConnection` instead of a channel). What it saves is NIO's
/// channel pipeline per read and write, which costs more than wrk's whole request (benchmarks/RESULTS.md).
final class EpollLoop: EventLoop, @unchecked Sendable {
    // @unchecked: `pending` is behind its mutex and `nextTimerID` is atomic; every other property is touched only
    // on the loop's thread, except `thread`, written once before `init` returns.
    private let epollFD: Int32
    private let wakeFD: Int32
    private let timerFD: Int32
    private let pending = Mutex<[@Sendable () -> Void]>([])
    private let nextTimerID = Atomic<UInt64>(1)
    private var thread = pthread_t()
    private let finished = DispatchSemaphore(value: 0)

    // Loop-thread state.
    private var timers = TimerHeap()
    private var cancelledTimers = Set<UInt64>()
    private var armedDeadline = UInt64.max
    /// Work for after the current batch of events (a socket's close notification, a deferred failure).
    private var afterEvents: [() -> Void] = []
    /// Sockets registered with epoll: kept alive here, since epoll holds only a pointer to them.
    private var sockets: [ObjectIdentifier: EpollConnection] = [:]
    private var isStopping = false
    /// The receive buffer every socket of this loop reads into (bodies are counted, never kept).
    let readBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 65_536, alignment: 16)

    /// What epoll's data holds for the eventfd and the timerfd (sockets hold a pointer to their object).
    private static var wakeToken: UnsafeMutableRawPointer { UnsafeMutableRawPointer(bitPattern: 1)! }
    private static var timerToken: UnsafeMutableRawPointer { UnsafeMutableRawPointer(bitPattern: 2)! }

    init(name: String) throws {
        epollFD = epoll_create1(Int32(EPOLL_CLOEXEC))
        wakeFD = eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC))
        timerFD = timerfd_create(CLOCK_MONOTONIC, Int32(TFD_NONBLOCK | TFD_CLOEXEC))
        guard epollFD >= 0, wakeFD >= 0, timerFD >= 0 else {
            throw IOError(errnoCode: errno, reason: "cannot create the event loop")
        }
        _ = cepoll_ctl(epollFD, EPOLL_CTL_ADD, wakeFD, cepoll_in(), Self.wakeToken)
        _ = cepoll_ctl(epollFD, EPOLL_CTL_ADD, timerFD, cepoll_in(), Self.timerToken)
        let started = DispatchSemaphore(value: 0)
        let box = Unmanaged.passRetained(StartBox(loop: self, started: started)).toOpaque()
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        var created = pthread_t()
        let result = pthread_create(&created, &attributes, { raw in
            let box = Unmanaged<StartBox>.fromOpaque(raw!).takeRetainedValue()
            box.loop.thread = pthread_self()
            box.started.signal()
            box.loop.run()
            return nil
        }, box)
        pthread_attr_destroy(&attributes)
        guard result == 0 else {
            Unmanaged<StartBox>.fromOpaque(box).release()
            throw IOError(errnoCode: result, reason: "cannot start the event loop's thread")
        }
        started.wait()
        _ = name
    }

    private final class StartBox {
        let loop: EpollLoop
        let started: DispatchSemaphore
        init(loop: EpollLoop, started: DispatchSemaphore) {
            self.loop = loop
            self.started = started
        }
    }

    deinit {
        readBuffer.deallocate()
    }

    // MARK: EventLoop

    var inEventLoop: Bool { pthread_equal(pthread_self(), thread) != 0 }

    func execute(_ task: @escaping @Sendable () -> Void) {
        pending.withLock { $0.append(task) }
        var one: UInt64 = 1
        _ = Glibc.write(wakeFD, &one, 8)
    }

    func scheduleTask<T>(deadline: NIODeadline, _ task: @escaping @Sendable () throws -> T) -> Scheduled<T> {
        let promise: EventLoopPromise<T> = makePromise()
        let id = nextTimerID.wrappingAdd(1, ordering: .relaxed).oldValue
        let fire = {
            do { promise.succeed(try task()) } catch { promise.fail(error) }
        }
        if inEventLoop {
            addTimer(at: deadline.uptimeNanoseconds, id: id, fire)
        } else {
            let boxed = UnsafeTransfer(fire)
            execute { self.addTimer(at: deadline.uptimeNanoseconds, id: id, boxed.value) }
        }
        return Scheduled(promise: promise) { [self] in
            let cancel = { if self.cancelTimer(id) { promise.fail(EventLoopError.cancelled) } }
            if inEventLoop { cancel() } else { execute { cancel() } }
        }
    }

    func scheduleTask<T>(in delay: TimeAmount, _ task: @escaping @Sendable () throws -> T) -> Scheduled<T> {
        scheduleTask(deadline: .now() + delay, task)
    }

    func shutdownGracefully(queue: DispatchQueue, _ callback: @escaping @Sendable ((any Error)?) -> Void) {
        execute { self.isStopping = true }
        DispatchQueue.global().async {
            self.finished.wait()
            self.finished.signal()  // a second shutdown returns at once
            queue.async { callback(nil) }
        }
    }

    // MARK: timers and sockets (on the loop)

    /// A timer without a future, for the transport's own deadlines (connect timeouts); returns its id.
    @discardableResult
    func addTimer(at deadline: UInt64, id: UInt64? = nil, _ work: @escaping () -> Void) -> UInt64 {
        let id = id ?? nextTimerID.wrappingAdd(1, ordering: .relaxed).oldValue
        timers.push(.init(deadline: deadline, id: id, work: work))
        if deadline < armedDeadline { arm(deadline) }
        return id
    }

    /// Cancels a timer that has not fired; returns false when it already fired or was cancelled.
    @discardableResult
    func cancelTimer(_ id: UInt64) -> Bool {
        guard timers.contains(id: id), !cancelledTimers.contains(id) else { return false }
        cancelledTimers.insert(id)
        return true
    }

    func register(_ socket: EpollConnection, fd: Int32, events: UInt32) -> Bool {
        guard cepoll_ctl(epollFD, EPOLL_CTL_ADD, fd, events, Unmanaged.passUnretained(socket).toOpaque()) == 0 else {
            return false
        }
        sockets[ObjectIdentifier(socket)] = socket
        return true
    }

    func modify(_ socket: EpollConnection, fd: Int32, events: UInt32) {
        _ = cepoll_ctl(epollFD, EPOLL_CTL_MOD, fd, events, Unmanaged.passUnretained(socket).toOpaque())
    }

    /// Takes the socket out of epoll; the loop lets go of it after the current batch of events (one of which may
    /// still name it).
    func deregister(_ socket: EpollConnection, fd: Int32) {
        _ = cepoll_ctl(epollFD, EPOLL_CTL_DEL, fd, 0, nil)
        afterEvents.append { self.sockets[ObjectIdentifier(socket)] = nil }
    }

    /// Runs `work` after the current batch of events, on this loop.
    func later(_ work: @escaping () -> Void) {
        afterEvents.append(work)
    }

    private func arm(_ deadline: UInt64) {
        armedDeadline = deadline
        var spec = itimerspec()
        if deadline != .max {
            let now = NIODeadline.now().uptimeNanoseconds
            let delay = deadline > now ? deadline - now : 1
            spec.it_value.tv_sec = Int(delay / 1_000_000_000)
            spec.it_value.tv_nsec = Int(delay % 1_000_000_000)
        }
        _ = timerfd_settime(timerFD, 0, &spec, nil)
    }

    // MARK: the loop

    private func run() {
        let capacity: Int32 = 256
        let events = UnsafeMutableRawPointer.allocate(
            byteCount: Int(cepoll_event_size()) * Int(capacity), alignment: 8
        ).bindMemory(to: epoll_event.self, capacity: Int(capacity))
        defer { events.deallocate() }
        while true {
            let count = epoll_wait(epollFD, events, capacity, -1)
            if count < 0 && errno != EINTR { break }
            for index in 0..<max(Int(count), 0) {
                let pointer = cepoll_event_pointer(events, Int32(index))
                if pointer == Self.wakeToken {
                    var value: UInt64 = 0
                    _ = Glibc.read(wakeFD, &value, 8)
                } else if pointer == Self.timerToken {
                    var value: UInt64 = 0
                    _ = Glibc.read(timerFD, &value, 8)
                    armedDeadline = .max
                } else if let pointer {
                    Unmanaged<EpollConnection>.fromOpaque(pointer).takeUnretainedValue()
                        .handle(events: cepoll_event_events(events, Int32(index)))
                }
            }
            runAfterEvents()
            runDueTimers()
            runPending()
            runAfterEvents()
            if isStopping { break }
        }
        for socket in sockets.values { socket.closeAtShutdown() }
        sockets.removeAll()
        Glibc.close(timerFD)
        Glibc.close(wakeFD)
        Glibc.close(epollFD)
        finished.signal()
    }

    private func runAfterEvents() {
        while !afterEvents.isEmpty {
            let work = afterEvents
            afterEvents.removeAll(keepingCapacity: true)
            for item in work { item() }
        }
    }

    private func runDueTimers() {
        var now = NIODeadline.now().uptimeNanoseconds
        while let first = timers.peek, first.deadline <= now {
            let timer = timers.pop()!
            if cancelledTimers.remove(timer.id) != nil { continue }
            timer.work()
            runAfterEvents()
            now = NIODeadline.now().uptimeNanoseconds
        }
        // Cancelled timers at the top would only wake the loop for nothing.
        while let first = timers.peek, cancelledTimers.contains(first.id) {
            cancelledTimers.remove(first.id)
            _ = timers.pop()
        }
        let next = timers.peek?.deadline ?? .max
        if next != armedDeadline { arm(next) }
    }

    private func runPending() {
        let work = pending.withLock { tasks -> [@Sendable () -> Void] in
            let taken = tasks
            tasks.removeAll(keepingCapacity: true)
            return taken
        }
        for task in work { task() }
    }
}

/// A value carried across a `@Sendable` boundary onto the loop that owns it.
private struct UnsafeTransfer<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

/// The loop's timers: a binary min-heap by deadline (ties by id, so equal deadlines fire in order).
struct TimerHeap {
    struct Timer {
        let deadline: UInt64
        let id: UInt64
        let work: () -> Void
    }

    private var items: [Timer] = []
    private var ids = Set<UInt64>()

    var peek: Timer? { items.first }

    func contains(id: UInt64) -> Bool { ids.contains(id) }

    mutating func push(_ timer: Timer) {
        items.append(timer)
        ids.insert(timer.id)
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard Self.before(items[child], items[parent]) else { break }
            items.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> Timer? {
        guard !items.isEmpty else { return nil }
        items.swapAt(0, items.count - 1)
        let top = items.removeLast()
        ids.remove(top.id)
        var parent = 0
        while true {
            let left = parent * 2 + 1
            let right = left + 1
            var smallest = parent
            if left < items.count && Self.before(items[left], items[smallest]) { smallest = left }
            if right < items.count && Self.before(items[right], items[smallest]) { smallest = right }
            guard smallest != parent else { break }
            items.swapAt(parent, smallest)
            parent = smallest
        }
        return top
    }

    private static func before(_ a: Timer, _ b: Timer) -> Bool {
        a.deadline != b.deadline ? a.deadline < b.deadline : a.id < b.id
    }
}

/// The engine's epoll loops, one per thread, as a NIO `EventLoopGroup`.
final class EpollLoopGroup: EventLoopGroup, @unchecked Sendable {
    // @unchecked: `loops` is immutable; `index` is atomic.
    let loops: [EpollLoop]
    private let index = Atomic<Int>(0)

    init(numberOfThreads: Int) throws {
        loops = try (0..<numberOfThreads).map { try EpollLoop(name: "tuner-epoll-\($0)") }
    }

    func next() -> any EventLoop {
        loops[index.wrappingAdd(1, ordering: .relaxed).oldValue % loops.count]
    }

    func makeIterator() -> EventLoopIterator { EventLoopIterator(loops) }

    func shutdownGracefully(queue: DispatchQueue, _ callback: @escaping @Sendable ((any Error)?) -> Void) {
        let group = DispatchGroup()
        for loop in loops {
            group.enter()
            loop.shutdownGracefully(queue: queue) { _ in group.leave() }
        }
        group.notify(queue: queue) { callback(nil) }
    }
}
#endif
