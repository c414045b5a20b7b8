import Foundation
import TunerCore
import TunerLoad
import TunerPostgres
import TunerReport

/// `tuner tune FILE`: the tuning guides' loop on the user's own service. The baseline (a capacity search with the
/// database observed), the diagnosis, a plan of changes; with `applies`, each change made, re-measured, and kept only
/// when the capacity at the SLO rose beyond the searches' uncertainty (`TuneDecision`) over the state without it
/// measured before and again after it (a drifting machine is not credited), otherwise undone. Every step
/// is written to `out/tune.json` as it ends, with the change in flight while it runs, so that nothing measured is
/// lost and an interrupted tune resumes (`resumes`) after undoing what it was trying.
public struct TuneWorkflow: Sendable {
    public var file: TuneFile
    /// Make the changes (`--apply`); without it the tune measures, diagnoses and plans, and changes nothing.
    public var applies: Bool
    /// Go on from `out/tune.json`: undo the change that was in flight, skip the steps already measured.
    public var resumes: Bool
    /// The output directory: tune.json, steps/N-name.json, the service's log, the files to paste.
    public var out: String
    /// A change to the service's code the user made since the last step (`--change "batched the order lines query"`):
    /// measured against the kept state and logged, after what is left of the plan.
    public var codeChange: String?
    public var say: @Sendable (String) -> Void = { _ in }
    public var progress: @Sendable (LoadProgress) -> Void = { _ in }

    public init(file: TuneFile, applies: Bool, resumes: Bool = false, out: String) {
        self.file = file
        self.applies = applies
        self.resumes = resumes
        self.out = out
    }

    /// What the tune did: its record, the steps of the state it kept (the baseline first: the optimization log's
    /// steps), the sweeps of its knobs, the plan, and whether it was interrupted.
    public struct Outcome: Sendable {
        public var record: TuneRecord
        public var keptSteps: [OptimizationStep]
        public var sweeps: [SweepResult]
        public var plan: TunePlan
        public var interrupted: Bool
    }

    var recordPath: String { out + "/tune.json" }

    public func run() async throws -> Outcome {
        let scenario = try loadScenario()
        let database: ConnectionSettings
        do {
            database = try ConnectionSettings(url: file.database)
        } catch {
            throw WorkflowError("database: \(error)")
        }
        do {
            try FileManager.default.createDirectory(atPath: out + "/steps", withIntermediateDirectories: true)
        } catch {
            throw WorkflowError("cannot create \(out): \(error.localizedDescription)")
        }
        var record = try startingRecord()
        if let inFlight = record.inFlight {
            say("undoing what the interrupted tune was trying: \(inFlight.name)")
            if let undo = inFlight.undo { try await TuneDatabase.execute(undo, database: database) }
            record.inFlight = nil
            try save(record)
        }
        var env = record.final.env
        var service = try await startService(env: env, scenario: scenario)
        var sweeps: [SweepResult] = []
        var interrupted = false
        var keptSteps: [OptimizationStep] = []
        var planned: TunePlan?
        do {
            // The baseline: measured now, or read back when resuming.
            var current: LoadResult
            if let baseline = record.steps.first(where: { $0.kind == .baseline }), let path = baseline.result,
               let measured = try? ResultFile.read(out + "/" + path) {
                current = readKept(record) ?? measured
                keptSteps = [OptimizationStep(label: "baseline", result: measured)]
                for step in record.steps where step.kind != .baseline && step.kept {
                    guard let path = step.result, let result = try? ResultFile.read(out + "/" + path) else { continue }
                    keptSteps.append(OptimizationStep(label: step.name, change: step.change, result: result, topic: Self.topic(step)))
                }
                say("resuming: baseline and \(record.steps.count - 1) step\(record.steps.count == 2 ? "" : "s") already measured")
            } else {
                say("baseline: a capacity search at \(file.slo.joined(separator: ", ")), the database observed")
                current = try await measure(scenario, database: database, service: service, checksDatabase: true)
                current = try await profiled(current, scenario: scenario, database: database, service: service)
                keptSteps = [OptimizationStep(label: "baseline", result: current)]
                var step = TuneRecord.Step(name: "baseline", kind: .baseline, change: nil, kept: true,
                                           reason: "the service as it is", before: nil, after: current.capacity, result: nil)
                step.result = try saveResult(current, number: 0, name: "baseline")
                record.steps = [step]
                try save(record)
            }
            let plan = TunePlan(findings: keptSteps[0].result.findings, file: file)
            planned = plan
            record.nextSteps = plan.nextSteps
            try save(record)
            sayPlan(plan)
            guard applies else {
                await service?.stop()
                return Outcome(record: record, keptSteps: keptSteps, sweeps: [], plan: plan, interrupted: false)
            }
            for item in plan.items {
                if Task.isCancelled { interrupted = true; break }
                if record.steps.contains(where: { $0.name == item.title }) { continue }
                if let blocked = item.blocked {
                    say("skipped: \(item.title) (\(blocked))")
                    continue
                }
                let number = record.steps.count
                let before = current
                switch item.change {
                case .index(_, let create, let drop):
                    say("step \(number): creating \(item.title)")
                    let (after, verdict) = try await tryChange(
                        item, undo: drop, judgedAgainst: current, record: &record, scenario: scenario, database: database,
                        service: service) { try await TuneDatabase.createIndex(create, database: database) }
                    if verdict.kept {
                        record.final.indexes.append(create)
                        current = after
                        keptSteps.append(OptimizationStep(label: item.title, change: create, result: after, topic: .indexes))
                    }
                    try finishStep(&record, item: item, change: create, verdict: verdict, before: before, after: after, number: number)
                case .setting(let name, let value):
                    say("step \(number): \(item.title)")
                    let undo = try await TuneDatabase.undoStatement(for: name, database: database)
                    let was = try await TuneDatabase.currentSetting(name, database: database) ?? "?"
                    let (after, verdict) = try await tryChange(
                        item, undo: undo, judgedAgainst: current, record: &record, scenario: scenario, database: database,
                        service: service) { try await TuneDatabase.setSetting(name, to: value, database: database) }
                    let change = "\(name): \(was) → \(value)"
                    if verdict.kept {
                        record.final.settings[name] = value
                        current = after
                        keptSteps.append(OptimizationStep(label: item.title, change: change, result: after, topic: .postgresSettings))
                    }
                    try finishStep(&record, item: item, change: change, verdict: verdict, before: before, after: after, number: number)
                case .knob(let knob):
                    say("step \(number): sweeping \(item.title)")
                    await service?.stop()
                    service = nil
                    let sweep = try await sweepKnob(knob, env: env, scenario: scenario, database: database)
                    sweeps.append(sweep)
                    // An interrupted sweep returns what it measured: it is reported, not judged.
                    if Task.isCancelled { throw CancellationError() }
                    var (verdict, value) = judgeKnob(knob, sweep: sweep, current: current, env: env)
                    var after: LoadResult?
                    service = try await startService(env: env, scenario: scenario)
                    if verdict.kept, let value, let point = sweep.points.first(where: { $0.values[knob.name] == value }) {
                        verdict = try await confirm(verdict, after: Self.capacity(of: point, slo: file.slo), scenario: scenario,
                                                    database: database, service: service)
                    }
                    if verdict.kept, let value {
                        env[knob.name] = value
                        record.final.env = env
                        await service?.stop()
                        service = try await startService(env: env, scenario: scenario)
                    }
                    if verdict.kept, let value {
                        // The kept value measured as every other step is (the database observed), for the log.
                        let measured = try await measure(scenario, database: database, service: service, checksDatabase: false)
                        after = measured
                        current = measured
                        keptSteps.append(OptimizationStep(label: "\(knob.name)=\(value)", change: "\(knob.name): "
                            + "\(file.service.env[knob.name] ?? "unset") → \(value) (\(sweep.recommendation ?? "the sweep's best"))",
                            result: measured, topic: Self.isPool(knob.name) ? .connectionPool : nil))
                    }
                    var step = TuneRecord.Step(
                        name: item.title, kind: .knob, change: value.map { "\(knob.name)=\($0)" }, kept: verdict.kept,
                        reason: verdict.reason, before: before.capacity, after: after?.capacity, result: nil)
                    if let after { step.result = try saveResult(after, number: number, name: knob.name) }
                    record.steps.append(step)
                    try save(record)
                    say("  \(verdict.kept ? "kept" : "not kept"): \(verdict.reason)")
                }
            }
            if Task.isCancelled { interrupted = true }
            if let change = codeChange, !interrupted {
                let number = record.steps.count
                say("step \(number): your change — \(change)")
                let before = current
                let after = try await measure(scenario, database: database, service: service, checksDatabase: true)
                var verdict = judge(before, after)
                verdict.reason += verdict.kept ? " (measured once: Tuner cannot undo code to measure the state without it again)"
                    : "; Tuner cannot undo code: revert it yourself, or keep it for its other merits"
                if verdict.kept {
                    current = after
                    keptSteps.append(OptimizationStep(label: change, change: change, result: after, topic: .code))
                }
                var step = TuneRecord.Step(name: "code: \(change)", kind: .code, change: change, kept: verdict.kept,
                                           reason: verdict.reason, before: before.capacity, after: after.capacity, result: nil)
                step.result = try saveResult(after, number: number, name: "code " + change)
                record.steps.append(step)
                try save(record)
                say("  \(verdict.kept ? "kept" : "not credited"): \(verdict.reason)")
            }
            // The tuned state's profile, when a change was kept: where its CPU goes now.
            if !interrupted, file.profile != nil, keptSteps.count > 1, var last = keptSteps.last,
               let number = record.steps.lastIndex(where: { $0.kept }), let path = record.steps[number].result {
                last.result = try await profiled(last.result, scenario: scenario, database: database, service: service)
                keptSteps[keptSteps.count - 1] = last
                try ResultFile.write(last.result, to: out + "/" + path)
            }
            await service?.stop()
            record.finishedAt = interrupted ? nil : Date()
            try save(record)
            try writePasteFiles(record)
            return Outcome(record: record, keptSteps: keptSteps, sweeps: sweeps, plan: plan, interrupted: interrupted)
        } catch {
            // A change in flight is undone before the error (or the interruption) is reported.
            if let inFlight = record.inFlight, let undo = inFlight.undo {
                say("undoing \(inFlight.name)")
                // Outside the cancelled task: an interruption must not cancel its own clean-up.
                let undone = await Task.detached { (try? await TuneDatabase.execute(undo, database: database)) != nil }.value
                if undone {
                    record.inFlight = nil
                    try? save(record)
                }
            }
            await service?.stop()
            // Interrupted: what was measured is the outcome (tune.json says where to resume).
            guard error is CancellationError || Task.isCancelled, let plan = planned, !keptSteps.isEmpty else { throw error }
            try? writePasteFiles(record)
            return Outcome(record: record, keptSteps: keptSteps, sweeps: sweeps, plan: plan, interrupted: true)
        }
    }

    // MARK: steps

    /// The verdict, with the capacities it compared.
    func judge(_ before: LoadResult, _ after: LoadResult) -> TuneDecision.Verdict {
        guard let b = before.capacity, let a = after.capacity else {
            return .init(kept: false, reason: "no capacity was measured on both sides")
        }
        return TuneDecision.judge(before: b, after: a)
    }

    /// A database change tried: made (recorded as in flight until undone), measured, judged against `kept`, undone,
    /// and — when it seemed to pay — confirmed against the state without it measured again and made once more. The
    /// change is in place afterwards exactly when the verdict keeps it.
    func tryChange(_ item: TunePlan.Item, undo: String, judgedAgainst kept: LoadResult, record: inout TuneRecord,
                   scenario: Scenario, database: ConnectionSettings, service: ServiceProcess?,
                   make: () async throws -> Void) async throws -> (after: LoadResult, verdict: TuneDecision.Verdict)
    {
        record.inFlight = .init(name: item.title, undo: undo)
        try save(record)
        try await make()
        let after = try await measure(scenario, database: database, service: service, checksDatabase: false)
        var verdict = judge(kept, after)
        try await TuneDatabase.execute(undo, database: database)
        record.inFlight = nil
        try save(record)
        guard verdict.kept else { return (after, verdict) }
        verdict = try await confirm(verdict, after: after.capacity, scenario: scenario, database: database, service: service)
        if verdict.kept {
            record.inFlight = .init(name: item.title, undo: undo)
            try save(record)
            try await make()
            record.inFlight = nil
        }
        return (after, verdict)
    }

    /// A change that seemed to pay, checked against drift: the state without it (already restored) measured again,
    /// and the change kept only when it beats that measurement too (`TuneDecision.confirm`).
    func confirm(_ verdict: TuneDecision.Verdict, after: CapacityResult?, scenario: Scenario, database: ConnectionSettings,
                 service: ServiceProcess?) async throws -> TuneDecision.Verdict
    {
        guard verdict.kept, let after else { return verdict }
        say("  it seemed to pay: the state without it measured again, so that the machine changing between the searches is not credited")
        let again = try await measure(scenario, database: database, service: service, checksDatabase: false)
        guard let capacity = again.capacity else {
            return .init(kept: false, reason: verdict.reason + "; but the state without it, measured again, gave no capacity")
        }
        return TuneDecision.confirm(verdict, after: after, beforeAgain: capacity)
    }

    /// Records a finished database step (the change already kept or undone) and says its verdict.
    func finishStep(_ record: inout TuneRecord, item: TunePlan.Item, change: String, verdict: TuneDecision.Verdict,
                    before: LoadResult, after: LoadResult, number: Int) throws {
        var step = TuneRecord.Step(name: item.title, kind: item.change.kind, change: change, kept: verdict.kept,
                                   reason: verdict.reason, before: before.capacity, after: after.capacity, result: nil)
        step.result = try saveResult(after, number: number, name: item.title)
        record.steps.append(step)
        try save(record)
        say("  \(verdict.kept ? "kept" : "rolled back"): \(verdict.reason)")
    }

    /// The knob's best value by the sweep (its knee), judged against today's value measured in the same sweep (the
    /// sweep always includes it): kept when the best value's capacity interval lies wholly above today's. Without a
    /// value today, against the kept state's capacity.
    func judgeKnob(_ knob: TuneFile.Knob, sweep: SweepResult, current: LoadResult, env: [String: String])
        -> (TuneDecision.Verdict, String?)
    {
        guard let value = sweep.knee?[knob.name],
              let point = sweep.points.first(where: { $0.values[knob.name] == value })
        else { return (.init(kept: false, reason: "the sweep found no value that held the SLO"), nil) }
        let today = env[knob.name]
        if today == value {
            return (.init(kept: false, reason: "the sweep's best value is today's, \(value)"), value)
        }
        let before: CapacityResult
        if let today, let todays = sweep.points.first(where: { $0.values[knob.name] == today && $0.failure == nil }) {
            before = Self.capacity(of: todays, slo: file.slo)
        } else if let kept = current.capacity {
            before = kept
        } else {
            return (.init(kept: false, reason: "the kept state has no capacity to compare with"), value)
        }
        let verdict = TuneDecision.judge(before: before, after: Self.capacity(of: point, slo: file.slo))
        let against = today.map { "today's \(knob.name)=\($0)" } ?? "the kept state"
        return (.init(kept: verdict.kept, reason: "\(knob.name)=\(value) against \(against): " + verdict.reason), value)
    }

    /// A sweep point's capacity as a search result (its rate and interval), for `TuneDecision`.
    static func capacity(of point: SweepPoint, slo: [String]) -> CapacityResult {
        var result = CapacityResult(
            maxSustainableRate: point.capacity, isLowerBound: point.isLowerBound, firstFailingRate: point.capacityInterval?.failed,
            failureReason: point.failure, limitedByGenerator: false, slo: slo, steps: [], kneeRate: nil, scalability: nil,
            sizing: nil, searchSeconds: 0)
        result.interval = point.capacityInterval
        return result
    }

    /// The guide's section a recorded step belongs to.
    static func topic(_ step: TuneRecord.Step) -> TuningTopic? {
        switch step.kind {
        case .index: .indexes
        case .setting: .postgresSettings
        case .knob: isPool(step.name) ? .connectionPool : nil
        case .code: .code
        case .baseline: nil
        }
    }

    static func isPool(_ name: String) -> Bool {
        let upper = name.uppercased()
        return upper.contains("POOL") || upper.contains("CONN")
    }

    // MARK: measuring

    /// One observed capacity search of the service as it is now.
    func measure(_ scenario: Scenario, database: ConnectionSettings, service: ServiceProcess?, checksDatabase: Bool)
        async throws -> LoadResult
    {
        var workflow = RunWorkflow(plan: try LoadPlan(scenario), database: database)
        workflow.service = service.map { .pid($0.pid) }
        workflow.checksDatabase = checksDatabase
        workflow.say = { [say] in say("  " + $0) }
        workflow.progress = progress
        let say = self.say
        let run = try await workflow.runCapacity(options: file.capacity, slo: file.thresholds) { step in
            say("    " + CapacityText.stepLine(step))
        }
        if run.outcome.wasInterrupted { throw CancellationError() }
        if let error = run.outcome.error { throw error }
        guard let result = run.result else { throw WorkflowError("the capacity search measured nothing") }
        say("  maximum sustainable rate: "
            + (result.capacity?.maxSustainableRate.map { CapacityText.rate($0) + " req/s" } ?? "none")
            + (result.capacity?.interval.map { " (lies in \($0.description))" } ?? ""))
        return result
    }

    /// `result` with the service's profile (`file.profile`): a run at a steady 70% of its capacity, observed, with the
    /// profiler on; its profiles, their findings and its notes join `result` (the capacity search has no steady part
    /// of its own to profile). A profile that cannot be taken is a note, and the tune goes on.
    func profiled(_ result: LoadResult, scenario: Scenario, database: ConnectionSettings, service: ServiceProcess?)
        async throws -> LoadResult
    {
        guard let choice = file.profile else { return result }
        var result = result
        guard let capacity = result.capacity?.maxSustainableRate, capacity > 0 else {
            result.notes.append("no profile: no rate held the SLO to profile the service at")
            return result
        }
        let rate = capacity * Self.profiledShare
        var workflow: RunWorkflow
        do {
            let profiler = try choice.profiler(pid: service?.pid) { [say] in say("  " + $0) }
            let steady = scenario.atRate(rate, duration: Self.profiledDuration, warmUp: .seconds(2), slo: file.thresholds)
            workflow = RunWorkflow(plan: try LoadPlan(steady), database: database)
            workflow.profile = profiler
            say("profile: \(profiler.label), \(CapacityText.rate(rate)) req/s (\(NumberFormat.percent(Self.profiledShare)) of the "
                + "capacity) for \(NumberFormat.seconds(Self.profiledDuration.seconds))")
        } catch {
            result.notes.append("no profile: \(error)")
            return result
        }
        workflow.service = service.map { .pid($0.pid) }
        workflow.checksDatabase = false
        workflow.advisesIndexes = false
        workflow.say = { [say] in say("  " + $0) }
        workflow.progress = progress
        let run = try await workflow.run()
        if Task.isCancelled { throw CancellationError() }
        result.profile = run.profile
        result.lockProfile = run.lockProfile
        result.allocationProfile = run.allocationProfile
        result.notes += run.notes.map { "the profiled run: " + $0 }
        let found = run.findings.filter { $0.source == "profile" }
        result.findings += found
        for finding in found { say("  \(finding.id): \(finding.title)") }
        return result
    }

    /// The profiled run: this share of the capacity (busy, still within the SLO), for this long after 2 s of warm-up.
    static let profiledShare = 0.7
    static let profiledDuration: Duration = .seconds(12)

    /// A sweep of one knob, each value measured by a capacity search with the service started anew; the other kept
    /// settings stay as they are.
    func sweepKnob(_ knob: TuneFile.Knob, env: [String: String], scenario: Scenario, database: ConnectionSettings)
        async throws -> SweepResult
    {
        guard let command = serviceCommand(env: env.filter { $0.key != knob.name }) else {
            throw WorkflowError("knobs need service.command")
        }
        // Today's value is measured beside the others, so that a value is kept only when it beats today's in the same
        // conditions.
        let values = env[knob.name].map { today in knob.values.contains(today) ? knob.values : [today] + knob.values } ?? knob.values
        var sweep = SweepWorkflow(scenario: scenario, slo: file.thresholds, command: command, readyURL: try readyURL(scenario),
                                  parameters: [.init(name: knob.name, values: values)], measure: .capacity(file.capacity))
        sweep.readyTimeout = file.service.readyTimeout
        sweep.logDirectory = out
        sweep.database = database
        sweep.kneeCriterion = .capacity
        sweep.say = { [say] in say("  " + $0) }
        return await sweep.run()
    }

    // MARK: the service

    /// The command line that starts the service: in its directory, with `env` set in front of it.
    func serviceCommand(env: [String: String]) -> String? {
        guard let command = file.service.command else { return nil }
        let directory = file.service.directory.map(file.resolve) ?? (file.directory.isEmpty ? nil : file.directory)
        let assignments = env.sorted { $0.key < $1.key }.map { "\($0.key)=\(ServiceProcess.shellQuoted($0.value))" }
        return (directory.map { "cd \(ServiceProcess.shellQuoted($0)) && " } ?? "")
            + (assignments.isEmpty ? "" : "export " + assignments.joined(separator: " ") + " && ") + command
    }

    /// Starts the service with `env` (when the file says how) and waits until it answers.
    func startService(env: [String: String], scenario: Scenario) async throws -> ServiceProcess? {
        guard let command = serviceCommand(env: env) else { return nil }
        let ready = try readyURL(scenario)
        try await ServiceProcess.refuseIfAnswering(ready)
        say("starting the service" + (env.isEmpty ? "" : " (" + env.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
            .joined(separator: " ") + ")"))
        let process = try ServiceProcess.start(command: command, environment: [:], logDirectory: out, logName: "service.log")
        do {
            try await process.waitUntilReady(ready, timeout: file.service.readyTimeout)
        } catch {
            await process.stop(grace: .seconds(2))
            throw error
        }
        return process
    }

    func readyURL(_ scenario: Scenario) throws -> URL {
        let text: String
        switch (file.service.ready, file.load) {
        case (let ready?, _): text = ready
        case (nil, .target(let url)): text = url
        case (nil, .scenario): text = scenario.target
        }
        guard let url = URL(string: text) else { throw WorkflowError("service.ready: '\(text)' is not a URL") }
        return url
    }

    // MARK: files

    func loadScenario() throws -> Scenario {
        switch file.load {
        case .scenario(let path): return try Scenario(file: file.resolve(path))
        case .target(let url): return try ScenarioOverrides().scenario(url: url)
        }
    }

    func startingRecord() throws -> TuneRecord {
        let exists = FileManager.default.fileExists(atPath: recordPath)
        if resumes {
            guard exists else { throw WorkflowError("--resume: no \(recordPath) to resume") }
            do {
                return try TuneRecord.read(from: recordPath)
            } catch {
                throw WorkflowError("--resume: \(recordPath) is not a tune record: \(error)")
            }
        }
        if exists, let old = try? TuneRecord.read(from: recordPath), old.applied, old.finishedAt == nil, applies {
            throw WorkflowError("\(recordPath) is an unfinished tune: --resume goes on with it, or choose another --out")
        }
        return TuneRecord(file: file.path, applied: applies, final: .init(env: file.service.env))
    }

    /// The last kept step's result (the state the next change is judged against), when resuming.
    func readKept(_ record: TuneRecord) -> LoadResult? {
        guard let step = record.lastKept, let path = step.result else { return nil }
        return try? ResultFile.read(out + "/" + path)
    }

    func save(_ record: TuneRecord) throws {
        do {
            try record.write(to: recordPath)
        } catch {
            throw WorkflowError("cannot write \(recordPath): \(error.localizedDescription)")
        }
    }

    /// `steps/N-name.json`, relative to the output directory.
    func saveResult(_ result: LoadResult, number: Int, name: String) throws -> String {
        let slug = String(name.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "-" })
            .split(separator: "-").joined(separator: "-").prefix(60)
        let relative = "steps/\(number)-\(slug).json"
        do {
            try ResultFile.write(result, to: out + "/" + relative)
        } catch {
            throw WorkflowError("cannot write \(out)/\(relative): \(error)")
        }
        return relative
    }

    /// `tuned.env`, `indexes.sql`, `postgresql.tuning.conf`: what the tune kept, to paste into the service's
    /// deployment and the database's migrations and configuration.
    func writePasteFiles(_ record: TuneRecord) throws {
        let env = record.final.env.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        let indexes = record.final.indexes
        let settings = record.final.settings.sorted { $0.key < $1.key }.map { "\($0.key) = \(TuneDatabase.literal($0.value))" }
        let files = [
            ("tuned.env", "# the service's settings as the tune left them\n" + env.joined(separator: "\n")),
            ("indexes.sql", "-- indexes the tune created and kept (each raised the capacity beyond the searches' uncertainty)\n"
                + indexes.joined(separator: "\n")),
            ("postgresql.tuning.conf", "# settings the tune changed and kept (ALTER SYSTEM wrote them to postgresql.auto.conf)\n"
                + settings.joined(separator: "\n")),
        ]
        for (name, text) in files {
            do {
                try (text + "\n").write(toFile: out + "/" + name, atomically: true, encoding: .utf8)
            } catch {
                throw WorkflowError("cannot write \(out)/\(name): \(error.localizedDescription)")
            }
        }
    }

    func sayPlan(_ plan: TunePlan) {
        say("plan: \(plan.items.count) change\(plan.items.count == 1 ? "" : "s") to try" + (applies ? "" : " (without --apply nothing is changed)"))
        for (index, item) in plan.items.enumerated() {
            say("  \(index + 1). \(item.title)" + (item.blocked.map { " — not allowed: \($0)" } ?? ""))
            say("     because: \(item.why)")
        }
        if !plan.nextSteps.isEmpty {
            say("next steps Tuner cannot take (code):")
            for step in plan.nextSteps { say("  - \(step)") }
        }
    }
}
