import ArgumentParser
import Foundation
import TunerConsole
import TunerCore
import TunerLoad
import TunerOrchestration

/// What `tuner k8s manifest` and `tuner k8s run` share: the scenario, the number of shards, the Kubernetes names, and
/// the `tuner load` options every shard gets (after `--`).
struct DistributedOptions: ParsableArguments {
    @Argument(help: ArgumentHelp("A scenario file (sent to the pods as a ConfigMap, with its data files) or a URL.",
                                 valueName: "scenario"))
    var target: String

    @Option(help: "How many shards (pods, or processes with --launcher local).")
    var shards: Int

    @Option(help: ArgumentHelp("The container image with tuner as its entrypoint (see the Dockerfile).", valueName: "image"))
    var image: String = "tuner:latest"

    @Option(help: "The Kubernetes namespace.")
    var namespace = "default"

    @Option(help: "The name of the Job and ConfigMap (a DNS label).")
    var name = "tuner-load"

    @Argument(parsing: .postTerminator, help: ArgumentHelp(
        "'tuner load' options for every shard, after --: e.g. -- --rate 2000 --duration 5m --threshold 'p99 < 200ms'.",
        valueName: "load options"))
    var loadArguments: [String] = []

    func validate() throws {
        guard (1...10_000).contains(shards) else { throw ValidationError("--shards must be between 1 and 10000") }
        let label = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/
        guard name.count <= 52, name.wholeMatch(of: label) != nil else {
            throw ValidationError("--name '\(name)' must be a DNS label of at most 52 characters (a-z, 0-9, '-')")
        }
        guard namespace.count <= 63, namespace.wholeMatch(of: label) != nil else {
            throw ValidationError("--namespace '\(namespace)' is not a DNS label")
        }
        let owned = ["--shard", "--start-at", "--await-start", "--json", "--quiet"]
        if let taken = loadArguments.first(where: { argument in owned.contains { argument == $0 || argument.hasPrefix($0 + "=") } }) {
            throw ValidationError("\(taken) is set for each shard by tuner k8s; leave it out of the load options")
        }
    }

    var isURL: Bool { RequestOptions.isURL(target) }

    /// The whole plan as every shard will build it: the load options checked here, before anything is launched.
    func makePlan() throws -> LoadPlan {
        let command: LoadCommand
        do {
            command = try LoadCommand.parse([target] + loadArguments)
        } catch {
            throw ToolError.usage("the load options after --: \(LoadCommand.message(for: error))")
        }
        let plan = try command.load.makePlan()
        // Every shard must get a share (a connection at least): checked before anything is written or launched.
        do { _ = try plan.sharded(Shard(index: 0, count: shards), startAt: nil) } catch { throw ToolError.usage(error.description) }
        return plan
    }

    /// The scenario file and its data files, as the pods get them (none for a URL).
    func files(of plan: LoadPlan) throws -> [(name: String, content: String)] {
        guard !isURL else { return [] }
        let scenario = URL(fileURLWithPath: target)
        let directory = scenario.deletingLastPathComponent().standardizedFileURL.path
        var files = [(name: scenario.lastPathComponent, content: try read(scenario.path))]
        for table in plan.scenario.workloads.compactMap({ $0.flow?.data }) {
            let path = URL(fileURLWithPath: table.source).standardizedFileURL
            guard path.deletingLastPathComponent().path == directory else {
                throw ToolError.usage("the data file \(table.source) must sit beside the scenario (the pods get one directory)")
            }
            if !files.contains(where: { $0.name == path.lastPathComponent }) {
                files.append((path.lastPathComponent, try read(path.path)))
            }
        }
        let size = files.reduce(0) { $0 + $1.content.utf8.count }
        if size > 900_000 { throw ToolError.usage("the scenario and its data files are \(size) bytes; a ConfigMap holds at most 1 MiB") }
        return files
    }

    func manifest(of plan: LoadPlan) throws -> KubernetesManifest {
        let files = try files(of: plan)
        return KubernetesManifest(
            name: name, namespace: namespace, image: image, shards: shards, files: files,
            target: isURL ? target : URL(fileURLWithPath: target).lastPathComponent, loadArguments: loadArguments)
    }

    private func read(_ path: String) throws -> String {
        do { return try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw ToolError.usage("cannot read \(path): no such file or not readable")
        }
    }
}
