import TunerCore

/// A flow ready for the engine: every variable has a slot in an iteration's value array (data columns first,
/// then the setup's captures, then the steps'), each step's captures and checks are compiled, and the data rows
/// are bytes.
struct CompiledFlow: Sendable {
    struct Step: Sendable {
        struct SlotCapture: Sendable {
            let slot: Int
            let source: CompiledCapture
            let name: String
            let sourceDescription: String
        }

        let captures: [SlotCapture]
        let statuses: [Int]?
        let contains: [UInt8]?
        let containsText: String?
        let thinkLowerNanos: Int64
        let thinkUpperNanos: Int64
    }

    let steps: [Step]
    /// Variable name (`token`, `data.user`) → slot.
    let variables: [String: Int]
    /// Values an iteration holds: one per variable.
    var slotCount: Int { variables.count }
    /// Each row's column values, in slots 0..<columns.
    let rows: [[[UInt8]]]
    let cookies: Bool
    /// The setup's captured names and their slots (filled from the setup's outcome before the run starts).
    let setupSlots: [(name: String, slot: Int)]
    /// The setup as a plan of its own: one connection, one iteration.
    let setup: LoadPlan?

    init(_ flow: Flow, scenario: Scenario, environment: [String: String]) throws(LoadError) {
        var variables: [String: Int] = [:]
        for column in flow.data?.columns ?? [] { variables["data.\(column)"] = variables.count }
        var setupSlots: [(String, Int)] = []
        for capture in flow.setup.flatMap(\.captures) where variables[capture.name] == nil {
            variables[capture.name] = variables.count
            setupSlots.append((capture.name, variables[capture.name]!))
        }
        for capture in flow.steps.flatMap(\.captures) where variables[capture.name] == nil {
            variables[capture.name] = variables.count
        }
        var steps: [Step] = []
        for step in flow.steps {
            var captures: [Step.SlotCapture] = []
            for capture in step.captures {
                let source: CompiledCapture
                switch capture.source {
                case .json(let path): source = .json(path)
                case .header(let name): source = .header(Array(name.lowercased().utf8))
                case .regex(let pattern):
                    do { source = .regex(try CaptureRegex(pattern)) } catch {
                        throw LoadError("\(step.location ?? "flow step '\(step.request.name)'"): bad regex '\(pattern)'")
                    }
                }
                captures.append(Step.SlotCapture(
                    slot: variables[capture.name]!, source: source, name: capture.name,
                    sourceDescription: capture.sourceDescription))
            }
            steps.append(Step(
                captures: captures, statuses: step.expectation?.statuses,
                contains: step.expectation?.contains.map { Array($0.utf8) }, containsText: step.expectation?.contains,
                thinkLowerNanos: step.think?.lower.nanoseconds ?? 0, thinkUpperNanos: step.think?.upper.nanoseconds ?? 0))
        }
        self.steps = steps
        self.variables = variables
        rows = flow.data?.rows.map { $0.map { Array($0.utf8) } } ?? []
        cookies = flow.cookies
        self.setupSlots = setupSlots
        if flow.setup.isEmpty {
            setup = nil
        } else {
            var setupScenario = scenario
            setupScenario.thresholds = []
            setupScenario.warmUp = .zero
            setupScenario.threads = 1
            var workload = Workload(
                name: "setup", model: .closed, start: 1, stages: [Stage(duration: .seconds(3600), target: 1)], connections: 1,
                flow: Flow(steps: flow.setup, data: flow.data, cookies: flow.cookies))
            workload.iterationLimit = 1
            setupScenario.workloads = [workload]
            setup = try LoadPlan(setupScenario, environment: environment)
        }
    }

    /// A think time between `lower` and `upper`.
    static func think(_ step: Step, random: inout FastRandom) -> Int64 {
        guard step.thinkUpperNanos > step.thinkLowerNanos else { return step.thinkLowerNanos }
        return Int64.random(in: step.thinkLowerNanos...step.thinkUpperNanos, using: &random)
    }
}

/// One iteration of a flow in progress: which step is next, its variables' values, its cookies.
final class FlowIteration {
    var step = 0
    var values: [[UInt8]]
    /// The `Cookie:` header line to send (with its CRLF), `nil` while the jar is empty.
    private(set) var cookieHeader: [UInt8]?
    private var cookies: [(name: String, value: String)] = []
    /// When the current step became due (open model: its latency counts from here); 0 = now.
    var dueNanos: UInt64 = 0

    init(values: [[UInt8]]) {
        self.values = values
    }

    /// Takes `Set-Cookie` pairs into the jar (a cookie of the same name is replaced; an empty value removes it).
    func store(cookies new: [(name: String, value: String)]) {
        guard !new.isEmpty else { return }
        for cookie in new {
            cookies.removeAll { $0.name == cookie.name }
            if !cookie.value.isEmpty { cookies.append(cookie) }
        }
        cookieHeader = cookies.isEmpty
            ? nil : Array("Cookie: \(cookies.map { "\($0.name)=\($0.value)" }.joined(separator: "; "))\r\n".utf8)
    }
}
