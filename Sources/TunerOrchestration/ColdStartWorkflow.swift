import Foundation
import TunerCore
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `tuner coldstart`'s work: start the service several times with each setting (say with and without pool
/// pre-warming), the settings taking turns; each time, measure from the start until its ready URL answers, then send the first requests one after
/// another on a fresh client, as the first user after a deploy would; then stop it.
public struct ColdStartWorkflow: Sendable {
    public var command: String
    public var readyURL: URL
    public var targetURL: URL
    /// Settings compared, `NAME=v1,v2` (in the environment and `{NAME}` in the command); none: the command as is.
    public var parameters: [SweepWorkflow.Parameter] = []
    public var starts = 3
    public var requests = 10
    public var readyTimeout: Duration = .seconds(60)
    public var logDirectory = NSTemporaryDirectory()
    public var say: @Sendable (String) -> Void = { _ in }

    public init(command: String, readyURL: URL, targetURL: URL) {
        self.command = command
        self.readyURL = readyURL
        self.targetURL = targetURL
    }

    /// Measures every setting; cancellation stops the service under way and ends with what was measured.
    /// The settings take turns, one start each per round, so that a machine that gets busier or quieter during the
    /// measurement moves every setting's starts alike instead of favouring the settings measured first.
    public func run() async -> ColdStartResult {
        let settings = SweepWorkflow.combinations(of: parameters).map { values in
            (values: values, name: parameters.isEmpty ? "as started"
                : parameters.map { "\($0.name)=\(values[$0.name] ?? "")" }.joined(separator: " "))
        }
        var measured = [[ColdStartResult.Start]](repeating: [], count: settings.count)
        var failures = [String?](repeating: nil, count: settings.count)
        for round in 0..<starts where !Task.isCancelled {
            for (index, setting) in settings.enumerated() where failures[index] == nil && !Task.isCancelled {
                do {
                    let start = try await measureStart(setting.values)
                    measured[index].append(start)
                    say("start \(round + 1) of \(setting.name): ready in \(NumberFormat.millis(start.readyMilliseconds)), "
                        + "first request \(NumberFormat.millis(start.requestMilliseconds.first ?? 0)), then "
                        + "\(NumberFormat.millis(ColdStartResult.Variant.median(Array(start.requestMilliseconds.dropFirst())) ?? 0)) (median)")
                } catch {
                    failures[index] = error.description
                    say("\(setting.name) failed: \(error.description)")
                }
            }
        }
        let variants = settings.indices.map { index in
            ColdStartResult.Variant(name: settings[index].name, starts: measured[index], failure: failures[index])
        }
        return ColdStartResult(target: targetURL.absoluteString, requestsPerStart: requests, variants: variants)
    }

    private func measureStart(_ values: [String: String]) async throws(WorkflowError) -> ColdStartResult.Start {
        var command = self.command
        for (name, value) in values { command = command.replacingOccurrences(of: "{\(name)}", with: value) }
        try await ServiceProcess.refuseIfAnswering(readyURL)
        let began = ContinuousClock.now
        let service = try ServiceProcess.start(command: command, environment: values, logDirectory: logDirectory)
        do {
            try await service.waitUntilReady(readyURL, timeout: readyTimeout, pollInterval: .milliseconds(5))
        } catch {
            await service.stop(grace: .seconds(2))
            throw error
        }
        let ready = (ContinuousClock.now - began).seconds * 1000
        // A fresh client: the first request opens its own connection, as a new user's would.
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = 30
        let session = URLSession(configuration: configuration)
        defer { session.finishTasksAndInvalidate() }
        var latencies: [Double] = []
        for number in 1...max(requests, 1) {
            let sent = ContinuousClock.now
            let status: Int
            do {
                let (_, response) = try await session.data(from: targetURL)
                status = (response as? HTTPURLResponse)?.statusCode ?? 0
            } catch {
                await service.stop(grace: .seconds(5))
                throw WorkflowError("request \(number) to \(targetURL.absoluteString) failed: \(error.localizedDescription)")
            }
            guard (200..<400).contains(status) else {
                await service.stop(grace: .seconds(5))
                throw WorkflowError("request \(number) to \(targetURL.absoluteString) answered \(status)")
            }
            latencies.append((ContinuousClock.now - sent).seconds * 1000)
        }
        await service.stop(grace: .seconds(5))
        return ColdStartResult.Start(readyMilliseconds: ready, requestMilliseconds: latencies)
    }
}
