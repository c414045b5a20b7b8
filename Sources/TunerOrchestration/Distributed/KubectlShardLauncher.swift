import Foundation
import Synchronization

/// Runs a distributed run's shards as the pods of a Kubernetes Indexed Job, through `kubectl` (its current context
/// and credentials): applies the manifest, waits until every pod is ready, runs a one-shot starter pod in the cluster
/// that gives the pods the start time, reads each pod's result line from its log, and deletes what it created.
///
/// RBAC the coordinator's identity needs in the namespace: create/delete `jobs`, `configmaps` and `pods`; get/list
/// `pods`, `pods/log` and `jobs`.
public final class KubectlShardLauncher: ShardLauncher {
    private let manifest: KubernetesManifest
    private let kubectl: String
    private let addresses = Mutex<[String]>([])
    private let say: @Sendable (String) -> Void

    public init(manifest: KubernetesManifest, kubectl: String = "kubectl", say: @escaping @Sendable (String) -> Void = { _ in }) {
        self.manifest = manifest
        self.kubectl = kubectl
        self.say = say
    }

    public func launch(_ job: ShardJob) async throws(WorkflowError) {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tuner-\(manifest.name).yaml").path
        do {
            try manifest.yaml().write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            throw WorkflowError("cannot write the manifest: \(error)")
        }
        defer { try? FileManager.default.removeItem(atPath: path) }
        _ = try await run(["apply", "-f", path])
        say("applied job/\(manifest.name) (\(manifest.shards) shards) in namespace \(manifest.namespace)")
    }

    public func waitUntilReady(timeout: Duration) async throws(WorkflowError) {
        let deadline = ContinuousClock.now + timeout
        var lastReady = -1
        while true {
            let pods = try await podStates()
            if let failed = pods.first(where: { $0.phase == "Failed" || $0.phase == "Succeeded" }) {
                throw WorkflowError("shard \(failed.index) ended before it was ready: \(try await logTail(ofShard: failed.index))")
            }
            let ready = pods.filter(\.ready)
            if ready.count != lastReady {
                say("\(ready.count) of \(manifest.shards) shards ready")
                lastReady = ready.count
            }
            if ready.count == manifest.shards && Set(ready.map(\.index)).count == manifest.shards {
                addresses.withLock { $0 = ready.sorted { $0.index < $1.index }.map { "\($0.ip):\(KubernetesManifest.startPort)" } }
                return
            }
            guard ContinuousClock.now < deadline else {
                let missing = (0..<manifest.shards).filter { index in !ready.contains { $0.index == index } }
                throw WorkflowError("\(missing.count) shards were not ready within \(timeout.shortDescription) (shards "
                    + missing.prefix(10).map(String.init).joined(separator: ", ") + "): see kubectl describe pods -n "
                    + "\(manifest.namespace) -l \(KubernetesManifest.runLabel)=\(manifest.name)")
            }
            try? await Task.sleep(for: .seconds(1))
        }
    }

    public func start(at time: Date) async throws(WorkflowError) {
        let starter = "\(manifest.name)-start"
        _ = try await run(["run", starter, "-n", manifest.namespace, "--image", manifest.image, "--restart=Never",
                           "--labels", "\(KubernetesManifest.runLabel)=\(manifest.name)", "--"]
                          + manifest.starterArguments(at: time, addresses: addresses.withLock { $0 }))
        _ = try await run(["wait", "-n", manifest.namespace, "--for=jsonpath={.status.phase}=Succeeded",
                           "pod/\(starter)", "--timeout=\(max(Int(time.timeIntervalSinceNow), 10))s"])
    }

    public func collectOutputs(timeout: Duration) async throws(WorkflowError) -> [String] {
        let deadline = ContinuousClock.now + timeout
        while true {
            let counts = try await run(["get", "job", manifest.name, "-n", manifest.namespace, "-o",
                                        "jsonpath={.status.succeeded} {.status.failed}"])
                .split(separator: " ").map { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0 }
            if counts.reduce(0, +) >= manifest.shards { break }
            guard ContinuousClock.now < deadline else {
                throw WorkflowError("the job's pods did not all end within \(timeout.shortDescription) of the run's end")
            }
            try? await Task.sleep(for: .seconds(2))
        }
        var outputs: [String] = []
        for index in 0..<manifest.shards {
            outputs.append((try? await run(["logs", "-n", manifest.namespace, "--tail=-1", "-l", selector(shard: index)])) ?? "")
        }
        return outputs
    }

    public func cleanUp() async {
        _ = try? await run(["delete", "-n", manifest.namespace, "job/\(manifest.name)", "pod/\(manifest.name)-start"]
                           + (manifest.files.isEmpty ? [] : ["configmap/\(manifest.name)"])
                           + ["--ignore-not-found", "--wait=false"])
    }

    private struct PodState {
        var index: Int
        var ip: String
        var ready: Bool
        var phase: String
    }

    private func podStates() async throws(WorkflowError) -> [PodState] {
        let template = "{range .items[*]}{.metadata.annotations.batch\\.kubernetes\\.io/job-completion-index}"
            + "|{.status.podIP}|{.status.conditions[?(@.type==\"Ready\")].status}|{.status.phase}{\"\\n\"}{end}"
        let text = try await run(["get", "pods", "-n", manifest.namespace, "-l", "\(KubernetesManifest.runLabel)=\(manifest.name),batch.kubernetes.io/job-completion-index",
                                  "-o", "jsonpath=\(template)"])
        return text.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            guard fields.count == 4, let index = Int(fields[0]) else { return nil }
            return PodState(index: index, ip: fields[1], ready: fields[2] == "True" && !fields[1].isEmpty, phase: fields[3])
        }
    }

    private func selector(shard index: Int) -> String {
        "\(KubernetesManifest.runLabel)=\(manifest.name),batch.kubernetes.io/job-completion-index=\(index)"
    }

    private func logTail(ofShard index: Int) async throws(WorkflowError) -> String {
        let log = try await run(["logs", "-n", manifest.namespace, "--tail=3", "-l", selector(shard: index)])
        return log.split(separator: "\n").suffix(3).joined(separator: " | ")
    }

    /// Runs kubectl off the cooperative pool; its output, or a one-line error.
    private func run(_ arguments: [String]) async throws(WorkflowError) -> String {
        let outcome: ExternalCommand.Outcome
        do {
            outcome = try await ExternalCommand.run(kubectl, arguments)
        } catch {
            throw WorkflowError("kubectl could not run (\(error)): is it installed and on PATH?")
        }
        guard outcome.status == 0 else {
            throw WorkflowError("kubectl \(arguments.prefix(2).joined(separator: " ")) exited with \(outcome.status): \(outcome.reason)")
        }
        return outcome.output
    }
}
