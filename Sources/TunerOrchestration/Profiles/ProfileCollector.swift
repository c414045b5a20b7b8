import Foundation
import TunerCore
import TunerLoad
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Takes a CPU profile of the service during the steady part of a load, from Go's net/http/pprof
/// (`GET /debug/pprof/profile?seconds=N` answers after sampling N seconds), and finds its hot spots.
public struct ProfileCollector: ServiceProfiler {
    /// The profile endpoint (`…/debug/pprof/profile`).
    public let endpoint: URL

    /// `http://host:6060`, `…/debug/pprof` or `…/debug/pprof/profile` all name the endpoint; anything but an
    /// http(s) URL is refused.
    public init(url text: String) throws(WorkflowError) {
        guard var components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
              scheme == "http" || scheme == "https", components.host?.isEmpty == false
        else { throw WorkflowError("--pprof: '\(text)' is not an http(s) URL (say http://127.0.0.1:6060)") }
        var path = components.path
        while path.hasSuffix("/") { path.removeLast() }
        if !path.hasSuffix("/debug/pprof/profile") {
            path += path.hasSuffix("/debug/pprof") ? "/profile" : "/debug/pprof/profile"
        }
        components.path = path
        components.queryItems = nil
        endpoint = components.url!
    }

    public var label: String { endpoint.absoluteString }

    /// When to sample within a plan: from 10% into the measured part (after the warm-up) for 80% of it, in
    /// whole seconds (pprof's unit), at least 1 and at most `longest`.
    public static func window(for plan: LoadPlan, longest: Int = 30) -> (start: Double, seconds: Int) {
        let warmUp = plan.scenario.warmUp.seconds
        let measured = max(0, plan.totalDuration.seconds - warmUp)
        let seconds = min(longest, max(1, Int((measured * 0.8).rounded(.down))))
        return (warmUp + measured * 0.1, seconds)
    }

    /// Waits until `start` seconds after now, samples for `seconds`, decodes. Failures are one line each.
    /// The profile records when it was really asked for (a busy machine wakes the task late); one asked late
    /// samples fewer seconds, so that it still ends by `end` seconds after now (the end of the load), but at
    /// least one.
    public func collect(start: Double, seconds: Int, end: Double? = nil) async -> Result<CPUProfile, WorkflowError> {
        guard let (asked, seconds) = await Self.waitForWindow(from: .now, start: start, seconds: seconds, end: end) else {
            return .failure(WorkflowError("pprof: interrupted before the profile was taken"))
        }
        return await fetch(endpoint, seconds: seconds, measure: "cpu", startSecond: asked)
    }

    /// Go's mutex profile (`…/debug/pprof/mutex?seconds=N`: the lock waits of those seconds, by the stack that
    /// released the lock) and allocs profile (the bytes allocated in them), over the CPU profile's window. What
    /// cannot be had is a note: a service that never called `runtime.SetMutexProfileFraction` records no waits.
    public func collectRuntime(start: Double, seconds: Int, end: Double? = nil) async -> RuntimeProfiles {
        guard let (asked, seconds) = await Self.waitForWindow(from: .now, start: start, seconds: seconds, end: end) else {
            return RuntimeProfiles()
        }
        let base = endpoint.deletingLastPathComponent()
        async let locks = fetch(base.appendingPathComponent("mutex"), seconds: seconds, measure: "delay", startSecond: asked)
        async let allocations = fetch(base.appendingPathComponent("allocs"), seconds: seconds, measure: "alloc_space", startSecond: asked)
        var profiles = RuntimeProfiles()
        switch await locks {
        case .success(let profile): profiles.locks = profile
        case .failure(let error) where error.description.contains("has no samples"):
            profiles.notes.append("the mutex profile recorded no lock waits (none happened, or the service does not call "
                + "runtime.SetMutexProfileFraction: Go records them only after it)")
        case .failure(let error): profiles.notes.append(error.description)
        }
        switch await allocations {
        case .success(let profile): profiles.allocations = profile
        case .failure(let error): profiles.notes.append(error.description)
        }
        return profiles
    }

    /// Fetches one of Go's profiles for `seconds` (the handler answers once they have passed) and decodes `measure`.
    func fetch(_ url: URL, seconds: Int, measure: String, startSecond: Double) async -> Result<CPUProfile, WorkflowError> {
        var components = URLComponents(url: url, resolvingAgainstBaseURL: false)!
        components.queryItems = [URLQueryItem(name: "seconds", value: String(seconds))]
        var request = URLRequest(url: components.url!)
        request.timeoutInterval = Double(seconds) + 20
        let data: Data
        do {
            let (body, response) = try await URLSession.shared.data(for: request)
            if let http = response as? HTTPURLResponse, http.statusCode != 200 {
                let text = String(decoding: body.prefix(200), as: UTF8.self).split(separator: "\n").first.map(String.init) ?? ""
                return .failure(WorkflowError("pprof: \(url.absoluteString) answered \(http.statusCode) \(text)"))
            }
            data = body
        } catch {
            return .failure(WorkflowError("pprof: cannot fetch \(url.absoluteString): \(error.localizedDescription)"))
        }
        do {
            return .success(try PprofDecoder.decode([UInt8](data), source: url.absoluteString, startSecond: startSecond, measure: measure))
        } catch {
            return .failure(WorkflowError("pprof: \(url.absoluteString): \(error.description)"))
        }
    }

    /// The hot spot the profile shows: the innermost frame of the service's own code the most CPU went through (with
    /// the library function it spent it in), else the function with the largest own share of the CPU.
    public static func findings(_ profile: CPUProfile) -> [Finding] {
        guard let top = profile.top, profile.sampledEnough else { return [] }
        var evidence: [Finding.Evidence] = []
        if let cpu = profile.cpuSeconds { evidence.append(.init("CPU sampled", "\(NumberFormat.significant(cpu)) s in \(NumberFormat.seconds(profile.seconds))")) }
        if let place = profile.placeToAct, place.share >= 0.1, place.share >= top.flat / 2 {
            evidence = [Finding.Evidence("CPU through it", NumberFormat.percent(place.share), number: place.share)]
                + (place.calls.map { [Finding.Evidence("most of it in", $0)] } ?? [])
                + (place.callShare.map { [Finding.Evidence("share in that call", NumberFormat.percent($0), number: $0)] } ?? [])
                + (place.location.map { [Finding.Evidence("its line", $0)] } ?? [])
                + [Finding.Evidence("hottest function overall", "\(top.name) (\(NumberFormat.percent(top.flat)) own)")] + evidence
            let calls = place.calls.map { ", most of it in \($0)" } ?? ""
            return [Finding(
                id: "cpu-hot-spot", severity: .info, object: place.name,
                title: "\(place.name) takes \(NumberFormat.percent(place.share)) of the service's CPU\(calls)",
                evidence: evidence,
                why: "The service's own function through which it spends the most CPU, during the steady part of the load "
                    + "(the innermost frame of its own code on each sampled stack, not the runtime, the standard library or a "
                    + "dependency, which it cannot change): the first place where less work per request shows in CPU per "
                    + "request and in capacity.",
                fix: "Start at \(place.location ?? place.name): "
                    + (place.calls.map { "call \($0) less per request (cache its result, batch, or skip the work)." }
                        ?? "do less there per request (cache, batch, or skip the work)."),
                source: "profile")]
        }
        guard top.flat >= 0.1 else { return [] }
        evidence = [Finding.Evidence("own share of the CPU", NumberFormat.percent(top.flat), number: top.flat),
                    Finding.Evidence("with what it calls", NumberFormat.percent(top.cumulative), number: top.cumulative)]
            + (top.location.map { [Finding.Evidence("hottest line", $0)] } ?? []) + evidence
        return [Finding(
            id: "cpu-hot-spot", severity: .info, object: top.name,
            title: "\(top.name) takes \(NumberFormat.percent(top.flat)) of the service's CPU",
            evidence: evidence,
            why: "The function the service spends the most CPU in itself, during the steady part of the load: the first "
                + "place where less work per request shows in CPU per request and in capacity.",
            fix: top.location.map { "Start at \($0): do less there per request (cache, batch, or skip the work)." },
            source: "profile")]
    }
}
