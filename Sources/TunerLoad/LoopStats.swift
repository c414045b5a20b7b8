import TunerCore

/// The error kinds the engine counts, as array slots (a dictionary per request would allocate).
enum ErrorSlot: Int, CaseIterable, Sendable {
    case status4xx, status5xx, timeout, connectTimeout, refused, reset, `protocol`, tls, dropped, expect, other

    /// The error a response's status is: 4xx or 5xx, none for the rest.
    @inline(__always)
    static func of(status: Int) -> ErrorSlot? { status >= 500 ? .status5xx : status >= 400 ? .status4xx : nil }

    var kind: ErrorKind {
        switch self {
        case .status4xx: .status4xx
        case .status5xx: .status5xx
        case .timeout: .timeout
        case .connectTimeout: .connectTimeout
        case .refused: .refused
        case .reset: .reset
        case .protocol: .protocol
        case .tls: .tls
        case .dropped: .dropped
        case .expect: .expect
        case .other: .other
        }
    }
}

/// One request name's figures on one event loop (merged across loops at the end).
struct NameStats: Sendable {
    var latency = LatencyHistogram.makeLatency()
    /// Open model: actual send → last byte.
    var service: LatencyHistogram?
    /// Open model: actual send − intended start.
    var sendLag: LatencyHistogram?
    var count: UInt64 = 0
    var errors = [UInt64](repeating: 0, count: ErrorSlot.allCases.count)
    /// Responses by status code (index = code, 0..<600).
    var statusCounts = [UInt64](repeating: 0, count: 600)
    var bytes: UInt64 = 0
    /// Responses that arrived inside the measured window, whenever their request started: the throughput
    /// the target kept up (a backlog drained after the window does not count).
    var answeredInWindow: UInt64 = 0
    /// Flow steps not sent because their iteration ended at an earlier step.
    var skipped: UInt64 = 0
    /// The first few distinct reasons a flow step's expectation or capture failed.
    var expectReasons: [String] = []
    static let keptReasons = 5

    init(isOpen: Bool) {
        if isOpen {
            service = .makeLatency()
            sendLag = .makeLatency()
        }
    }

    mutating func add(_ other: NameStats) {
        latency.add(other.latency)
        if let s = other.service { service = service.map { var h = $0; h.add(s); return h } ?? s }
        if let s = other.sendLag { sendLag = sendLag.map { var h = $0; h.add(s); return h } ?? s }
        count += other.count
        for i in errors.indices { errors[i] += other.errors[i] }
        for i in statusCounts.indices { statusCounts[i] += other.statusCounts[i] }
        bytes += other.bytes
        answeredInWindow += other.answeredInWindow
        skipped += other.skipped
        for reason in other.expectReasons where expectReasons.count < Self.keptReasons && !expectReasons.contains(reason) {
            expectReasons.append(reason)
        }
    }

    var errorCount: UInt64 { errors.reduce(0, +) }

    /// The result file's form.
    func requestStats(name: String, durationSeconds: Double) -> RequestStats {
        var errorMap: [String: UInt64] = [:]
        for slot in ErrorSlot.allCases where errors[slot.rawValue] > 0 { errorMap[slot.kind.rawValue] = errors[slot.rawValue] }
        var statusMap: [String: UInt64] = [:]
        for (code, n) in statusCounts.enumerated() where n > 0 { statusMap[String(code)] = n }
        return RequestStats(
            name: name, count: count, errors: errorMap, statusCodes: statusMap, bytesReceived: bytes,
            durationSeconds: durationSeconds, latency: latency, service: service, sendLag: sendLag,
            skipped: skipped > 0 ? skipped : nil, expectFailures: expectReasons.isEmpty ? nil : expectReasons)
    }
}

/// One second of the run on one event loop, by completion time: all requests, and each name's counts (its
/// latencies only for the names a windowed threshold is scoped to, so that no other request pays for them).
struct SecondStats: Sendable {
    var second: Int
    var latency = LatencyHistogram.makeLatency()
    var count: UInt64 = 0
    var errors: UInt64 = 0
    /// By name index.
    var nameCounts: [UInt64]
    var nameErrors: [UInt64]
    /// By name index: a histogram for the kept names, `nil` for the rest; empty when no name is kept.
    var nameLatency: [LatencyHistogram?]

    init(second: Int, names: Int, keptLatencies: [Int] = []) {
        self.second = second
        nameCounts = [UInt64](repeating: 0, count: names)
        nameErrors = [UInt64](repeating: 0, count: names)
        if keptLatencies.isEmpty {
            nameLatency = []
        } else {
            nameLatency = [LatencyHistogram?](repeating: nil, count: names)
            for index in keptLatencies { nameLatency[index] = .makeLatency() }
        }
    }

    /// An empty second shaped like `other` (the same names, the same kept latencies).
    init(second: Int, like other: SecondStats) {
        self.init(second: second, names: other.nameCounts.count,
                  keptLatencies: other.nameLatency.indices.filter { other.nameLatency[$0] != nil })
    }

    mutating func add(_ other: SecondStats) {
        latency.add(other.latency)
        count += other.count
        errors += other.errors
        for index in other.nameCounts.indices where index < nameCounts.count {
            nameCounts[index] += other.nameCounts[index]
            nameErrors[index] += other.nameErrors[index]
        }
        for index in other.nameLatency.indices {
            if let histogram = other.nameLatency[index] { addLatency(histogram, ofName: index) }
        }
    }

    /// Adds latencies to one name's histogram (kept names only: nothing for a name whose latencies are not kept).
    mutating func addLatency(_ histogram: LatencyHistogram, ofName index: Int) {
        guard index < nameLatency.count else { return }
        if nameLatency[index] == nil { nameLatency[index] = histogram } else { nameLatency[index]!.add(histogram) }
    }
}

/// Open model bookkeeping for the measured window.
struct ScheduleCounters: Sendable {
    var planned: UInt64 = 0
    var sent: UInt64 = 0
    var late: UInt64 = 0
    var dropped: UInt64 = 0
    /// Requests that waited for a connection until the request timeout (counted as timeouts).
    var expired: UInt64 = 0

    mutating func add(_ other: ScheduleCounters) {
        expired += other.expired
        planned += other.planned
        sent += other.sent
        late += other.late
        dropped += other.dropped
    }
}

/// What the engine learns about connections, for notes and the unreachable-target check.
struct ConnectionCounters: Sendable {
    var attempts: UInt64 = 0
    var established: UInt64 = 0
    var failed: UInt64 = 0
    /// The first connect failure, for the error message when nothing ever connected.
    var firstFailure: String?
    var firstFailureKind: ErrorSlot?
    /// The first malformed response, for the notes.
    var firstProtocolProblem: String?
    /// Connections the server closed while a request was outstanding.
    var closedMidRequest: UInt64 = 0
    /// TCP connect times, and TLS handshake times over HTTPS.
    var connectTime = LatencyHistogram.makeLatency()
    var tlsHandshake: LatencyHistogram?

    mutating func add(_ other: ConnectionCounters) {
        connectTime.add(other.connectTime)
        if let h = other.tlsHandshake { tlsHandshake = tlsHandshake.map { var t = $0; t.add(h); return t } ?? h }
        attempts += other.attempts
        established += other.established
        failed += other.failed
        if firstFailure == nil {
            firstFailure = other.firstFailure
            firstFailureKind = other.firstFailureKind
        }
        firstProtocolProblem = firstProtocolProblem ?? other.firstProtocolProblem
        closedMidRequest += other.closedMidRequest
    }
}

/// Everything one event loop measured; merged across loops for the result.
struct LoopStats: Sendable {
    var names: [NameStats]
    var schedule = ScheduleCounters()
    var connections = ConnectionCounters()
    /// Requests still waiting or in flight when the run was cut short.
    var abandoned: UInt64 = 0

    init(plan: LoadPlan) {
        var names: [NameStats] = []
        for workload in plan.workloads {
            for _ in workload.requests { names.append(NameStats(isOpen: workload.model == .open)) }
        }
        self.names = names
    }

    mutating func add(_ other: LoopStats) {
        for i in names.indices { names[i].add(other.names[i]) }
        schedule.add(other.schedule)
        connections.add(other.connections)
        abandoned += other.abandoned
    }
}
