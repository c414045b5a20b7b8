import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The coordinator's side of the start barrier: asks shards whether they are ready (`GET /ready`) and gives them the
/// common start time (`POST /start`, Unix seconds). `tuner k8s start`, run inside the cluster, and the local launcher
/// both use it.
public enum ShardStarter {
    /// True when the shard at `address` (`HOST:PORT`) answers ready.
    public static func isReady(_ address: String) async -> Bool {
        guard let url = URL(string: "http://\(address)/ready") else { return false }
        let session = URLSession(configuration: configuration)
        defer { session.finishTasksAndInvalidate() }
        guard let (_, response) = try? await session.data(from: url) else { return false }
        return (response as? HTTPURLResponse)?.statusCode == 200
    }

    /// Posts `time` to every shard at once (each tried for up to 3 s); fails naming the shards that did not take it.
    public static func start(at time: Date, addresses: [String]) async throws(WorkflowError) {
        let failures = await withTaskGroup(of: String?.self) { group in
            for address in addresses { group.addTask { await post(time, to: address) } }
            var failures: [String] = []
            for await failure in group { if let failure { failures.append(failure) } }
            return failures
        }
        if !failures.isEmpty {
            throw WorkflowError("\(failures.count) of \(addresses.count) shards did not take the start time: "
                + failures.sorted().prefix(5).joined(separator: "; "))
        }
    }

    private static func post(_ time: Date, to address: String) async -> String? {
        guard let url = URL(string: "http://\(address)/start") else { return "\(address): not HOST:PORT" }
        var request = URLRequest(url: url)
        request.httpMethod = "POST"
        request.httpBody = Data(String(format: "%.6f", time.timeIntervalSince1970).utf8)
        let session = URLSession(configuration: configuration)
        defer { session.finishTasksAndInvalidate() }
        let deadline = ContinuousClock.now + .seconds(3)
        var last = "no answer"
        while ContinuousClock.now < deadline {
            do {
                let (data, response) = try await session.data(for: request)
                let status = (response as? HTTPURLResponse)?.statusCode ?? 0
                if status == 200 { return nil }
                last = "\(status) \(String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))"
                if status == 409 || status == 400 { break }
            } catch {
                last = error.localizedDescription
            }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return "\(address): \(last)"
    }

    private static var configuration: URLSessionConfiguration {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = 2
        return configuration
    }
}
