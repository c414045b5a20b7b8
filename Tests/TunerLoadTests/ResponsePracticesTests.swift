import Foundation
import Testing
import TunerCore
import TunerTestSupport
@testable import TunerLoad

/// Response practices planted in a local server are found, and a server that does it right is left alone.
@Suite struct ResponsePracticesTests {
    @Test func plantedPracticesAreFoundAndAGoodServerIsLeftAlone() async throws {
        let server = try await TestHTTPServer()
        defer { server.stopInBackground() }
        let workload = Workload(
            // 60 requests over 4 names drawn at random: a name left without a request during the load (and so without
            // its large-response finding) has probability 2·(3/4)^60 ≈ 6e-8.
            name: "mix", model: .open, start: 60, stages: [Stage(duration: .seconds(1), target: 60)], connections: 4,
            requests: [RequestTemplate(name: "big", path: "/big/${random:2000..2000}"), RequestTemplate(name: "close", path: "/close"),
                       RequestTemplate(name: "good", path: "/good/2000"), RequestTemplate(name: "captured", path: "/items/${item}")])
        let plan = try LoadPlan(Scenario(target: server.url, workloads: [workload], threads: 1), environment: ["item": "1"])
        let result = try await LoadEngine.run(plan)
        let (findings, notes) = await ResponsePractices.findings(for: plan, result: result, environment: [:])
        func ids(_ name: String) -> Set<String> { Set(findings.filter { $0.object == name }.map(\.id)) }
        #expect(ids("big") == ["uncompressed-response", "no-cache-headers", "large-response"], "\(findings.map(\.title))")
        #expect(ids("close").contains("connection-close") && !ids("close").contains("uncompressed-response"))
        // Its 2,000 bytes were large on the wire during the load (the load did not ask for gzip); nothing else to say.
        #expect(ids("good") == ["large-response"], "gzip, ETag, Cache-Control, keep-alive: \(findings.filter { $0.object == "good" }.map(\.title))")
        #expect(notes.contains { $0.contains("not probed") && $0.contains("captured") }, "\(notes)")
    }

    /// `limit_param`: a list that returns as many items as asked is found; one capped at 50, and one whose scenario
    /// does not ask, are not.
    @Test func aListWhosePageSizeIsNotCappedIsFound() async throws {
        let server = try await TestHTTPServer()
        defer { server.stopInBackground() }
        let scenario = try Scenario(yaml: """
            target: \(server.url)
            scenarios:
              - name: mix
                model: open
                stages: [{ duration: 1s, rate: 20 }]
                requests:
                  - { name: uncapped, path: "/list/0?limit=20", limit_param: limit }
                  - { name: capped, path: "/list/50?page=1&limit=20", limit_param: limit }
                  - { name: not-asked, path: "/list/0?limit=20" }
            """)
        let plan = try LoadPlan(scenario, environment: [:])
        let result = try await LoadEngine.run(plan)
        let (findings, _) = await ResponsePractices.findings(for: plan, result: result, environment: [:])
        let uncapped = findings.filter { $0.id == "uncapped-limit" }
        #expect(uncapped.map(\.object) == ["uncapped"], "\(findings.map(\.title))")
        // 20, 200 and 2,000 items of about 25 bytes: the last page is about 50 KB.
        #expect(uncapped.first?.title.contains("for limit=2000") == true, "\(uncapped.map(\.title))")
        #expect(uncapped.first?.evidence.count == 3)

        let bad = #"""
            target: http://127.0.0.1:1
            scenarios:
              - name: mix
                stages: [{ duration: 1s, rate: 1 }]
                requests:
                  - { path: "/list?page=1", limit_param: limit }
            """#
        #expect(throws: LoadError.self) { try Scenario(yaml: bad) }
        do { _ = try Scenario(yaml: bad) } catch { #expect("\(error)".contains("limit_param 'limit' is not a query parameter")) }
    }
}
