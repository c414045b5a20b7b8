import Foundation
import Yams

/// The Kubernetes objects a distributed run applies (`tuner k8s manifest` prints them, `tuner k8s run` applies them):
/// the scenario (and its data files) as a ConfigMap, and an Indexed Job whose pod I runs shard I. The pods wait at the
/// start barrier (ready = answering `GET /ready` on the start port) until `tuner k8s start`, run in the cluster by the
/// coordinator once every pod is ready, posts the common start time; each prints its result as one log line.
public struct KubernetesManifest: Sendable {
    public var name: String
    public var namespace: String
    public var image: String
    public var shards: Int
    /// The scenario file and its data files (file name → content), mounted at `/etc/tuner`; empty for a URL target.
    public var files: [(name: String, content: String)]
    /// The scenario's file name in `files`, or the URL the shards load.
    public var target: String
    /// The `tuner load` options every shard gets.
    public var loadArguments: [String]
    /// Each pod's resource requests (a generator that is starved of CPU measures itself, not the service).
    public var cpuRequest = "1"
    public var memoryRequest = "256Mi"
    public var memoryLimit = "2Gi"

    /// The port every shard's start barrier listens on.
    public static let startPort = 6565
    /// Where the scenario's files are mounted in each pod.
    public static let mountPath = "/etc/tuner"
    /// The label every object of one run carries (the run's name).
    public static let runLabel = "tuner.dev/run"

    public init(name: String, namespace: String, image: String, shards: Int, files: [(name: String, content: String)],
                target: String, loadArguments: [String]) {
        self.name = name
        self.namespace = namespace
        self.image = image
        self.shards = shards
        self.files = files
        self.target = target
        self.loadArguments = loadArguments
    }

    /// What the shard's container runs (after the image's entrypoint, `tuner`).
    var shardArguments: [String] {
        let target = files.isEmpty ? self.target : "\(Self.mountPath)/\(self.target)"
        return ["load", target] + loadArguments
            + ["--shard", "$(SHARD_INDEX)/\(shards)", "--await-start", "0.0.0.0:\(Self.startPort)", "--quiet"]
    }

    /// Labels on every object of the run.
    var labels: Node { ["app.kubernetes.io/name": "tuner", "app.kubernetes.io/component": "load-generator", Node(Self.runLabel): Self.string(name)] }

    var metadata: Node { ["name": Self.string(name), "namespace": Self.string(namespace), "labels": labels] }

    /// The YAML to apply: the ConfigMap (when there are files) and the Job, as one multi-document stream.
    public func yaml() throws -> String {
        var documents: [Node] = []
        if !files.isEmpty {
            documents.append([
                "apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata,
                "data": Node(files.map { (Self.string($0.name), Self.string($0.content)) }),
            ])
        }
        documents.append(job)
        return try documents.map { try Yams.serialize(node: $0) }.joined(separator: "---\n")
    }

    var job: Node {
        var container: Node = [
            "name": "tuner", "image": Self.string(image), "imagePullPolicy": "IfNotPresent",
            "args": Node(shardArguments.map(Self.string)),
            // The completion index (0..N-1) is the shard; the args refer to it as $(SHARD_INDEX).
            "env": [[
                "name": "SHARD_INDEX",
                "valueFrom": ["fieldRef": ["fieldPath": "metadata.annotations['batch.kubernetes.io/job-completion-index']"]],
            ]],
            "ports": [["name": "start", "containerPort": Self.int(Self.startPort)]],
            "readinessProbe": [
                "httpGet": ["path": "/ready", "port": "start"], "periodSeconds": Self.int(1), "failureThreshold": Self.int(1),
            ],
            "resources": [
                "requests": ["cpu": Node(cpuRequest), "memory": Node(memoryRequest)], "limits": ["memory": Node(memoryLimit)],
            ],
        ]
        if !files.isEmpty {
            container["volumeMounts"] = [["name": "scenario", "mountPath": Node(Self.mountPath), "readOnly": Self.bool(true)]]
        }
        var pod: Node = [
            "restartPolicy": "Never",
            // Shards on different nodes when there are enough: one node's network or CPU is what sharding works around.
            "topologySpreadConstraints": [[
                "maxSkew": Self.int(1), "topologyKey": "kubernetes.io/hostname", "whenUnsatisfiable": "ScheduleAnyway",
                "labelSelector": ["matchLabels": [Node(Self.runLabel): Self.string(name)]],
            ]],
            "containers": [container],
        ]
        if !files.isEmpty { pod["volumes"] = [["name": "scenario", "configMap": ["name": Self.string(name)]]] }
        return [
            "apiVersion": "batch/v1", "kind": "Job", "metadata": metadata,
            "spec": [
                "completionMode": "Indexed", "completions": Self.int(shards), "parallelism": Self.int(shards),
                // A retried shard would add load the plan does not have: a failed pod stays failed.
                "backoffLimit": Self.int(0),
                // A run that is never collected goes away by itself after a day.
                "ttlSecondsAfterFinished": Self.int(86_400),
                "template": ["metadata": ["labels": labels], "spec": pod],
            ],
        ]
    }

    /// The one-shot pod that gives every shard the start time, from inside the cluster (pod IPs are reachable there).
    func starterArguments(at time: Date, addresses: [String]) -> [String] {
        ["k8s", "start", "--at", String(format: "%.6f", time.timeIntervalSince1970)] + addresses
    }

    /// A string that stays one: quoted when YAML would read it as a number, a boolean or null (`--rate 10` as an
    /// argument: Kubernetes refuses a container argument that is not a string).
    static func string(_ text: String) -> Node {
        let plain = Node(text)
        return Resolver.default.resolveTag(of: plain) == .str ? plain : Node(text, Tag(.str), .singleQuoted)
    }

    static func int(_ value: Int) -> Node { Node(String(value), Tag(.int)) }
    static func bool(_ value: Bool) -> Node { Node(value ? "true" : "false", Tag(.bool)) }
}
