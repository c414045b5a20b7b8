import ArgumentParser
import Foundation
import TunerConsole

struct K8sManifestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "manifest",
        abstract: "Write the Kubernetes YAML of a distributed run (a ConfigMap and an Indexed Job).",
        discussion: """
            The Job has N pods (completionMode Indexed; pod I runs shard I), spread across nodes, with resource \
            requests and no retries (a retried shard would add load the plan does not have). Each pod waits at the \
            start barrier on port 6565 until it is given the start time: 'tuner k8s run' does that for you; if you \
            apply this yourself, run 'tuner k8s start --at TIME POD-IP:6565 …' in the cluster once every pod is \
            ready, then read every pod's 'tuner-result' log line and 'tuner merge' them.

            Example:
              tuner k8s manifest shop.yaml --shards 8 --image registry.example.com/tuner:1 -- --rate 20000 --duration 5m
            """
    )

    @OptionGroup var options: DistributedOptions

    @Option(name: .shortAndLong, help: "Write the YAML here instead of stdout.")
    var output: String?

    func run() async throws {
        let plan = try options.makePlan()
        let yaml: String
        do { yaml = try options.manifest(of: plan).yaml() } catch let error as ToolError { throw error } catch {
            throw ToolError.runtime("cannot write the manifest: \(error)")
        }
        if let output {
            do { try yaml.write(toFile: output, atomically: true, encoding: .utf8) } catch {
                throw ToolError.runtime("cannot write \(output): \(error.localizedDescription)")
            }
        } else {
            Console.output(yaml)
        }
    }
}
