import Testing
import TunerCore
@testable import TunerLoad

@Suite struct ScenarioYAMLTests {
    static let designExample = """
        target: http://127.0.0.1:8080
        headers: { Authorization: "Bearer ${TOKEN}" }     # ${VAR} reads the environment
        scenarios:
          - name: browse
            model: open                  # open: arrival rate; closed: connections loop
            stages:                      # ramp linearly from the previous value
              - { duration: 30s, rate: 200 }
              - { duration: 2m,  rate: 1000 }
            requests:
              - { name: list-products, path: "/products?page=1", weight: 8 }
              - { name: product, path: "/products/${random:1..100000}", weight: 4 }
              - { name: order, method: POST, path: /orders, body: '{"customer":1,"items":[[7,2]]}',
                  headers: { Content-Type: application/json }, weight: 1 }
        thresholds:                      # the guides' target tables, as checks
          list-products: ["p95 < 100ms", "p99 < 300ms"]
          all: ["error_rate < 1%", "rps > 500"]
        """

    @Test func readsTheDesignExample() throws {
        let scenario = try Scenario(yaml: Self.designExample, fileName: "shop.yaml")
        #expect(scenario.target == "http://127.0.0.1:8080")
        #expect(scenario.headers == [HeaderField("Authorization", "Bearer ${TOKEN}")])
        let workload = try #require(scenario.workloads.first)
        #expect(workload.model == .open)
        #expect(workload.stages == [Stage(duration: .seconds(30), target: 200), Stage(duration: .seconds(120), target: 1000)])
        #expect(workload.requests.map(\.name) == ["list-products", "product", "order"])
        #expect(workload.requests.map(\.weight) == [8, 4, 1])
        #expect(workload.requests[2].method == "POST")
        #expect(workload.requests[2].body == #"{"customer":1,"items":[[7,2]]}"#)
        #expect(scenario.thresholds.map(\.description).sorted()
            == ["error_rate < 1%", "list-products: p95 < 100ms", "list-products: p99 < 300ms", "rps > 500"])
        let plan = try LoadPlan(scenario, environment: ["TOKEN": "secret"])
        #expect(plan.names == ["list-products", "product", "order"])
        #expect(plan.totalSeconds == 150)
    }

    @Test func closedModelWithDurationAndKeyspellings() throws {
        let scenario = try Scenario(yaml: """
            target: http://localhost:9000/api
            warm-up: 5s
            connectTimeout: 2s
            scenarios:
              - connections: 16
                duration: 1m
                think_time: 100ms
                requests:
                  - path: /health
            """)
        let workload = try #require(scenario.workloads.first)
        #expect(workload.model == .closed)
        #expect(workload.peak == 16)
        #expect(workload.thinkTime == .milliseconds(100))
        #expect(workload.requests.first?.name == "GET /health")
        #expect(scenario.warmUp == .seconds(5))
        #expect(scenario.connectTimeout == .seconds(2))
    }

    @Test func profileShapesTheStages() throws {
        let scenario = try Scenario(yaml: """
            target: http://127.0.0.1:1
            profile: load
            scenarios:
              - rate: 100
                duration: 100s
                requests: [{ path: / }]
            """)
        let stages = try #require(scenario.workloads.first?.stages)
        #expect(stages.map(\.target) == [100, 100, 0])
        #expect(stages.map(\.duration) == [.seconds(10), .seconds(80), .seconds(10)])
        #expect(scenario.profile == "load")
    }

    struct BadInput: Sendable, CustomTestStringConvertible {
        var yaml: String
        var message: String
        var testDescription: String { message }
    }

    static let badInputs: [BadInput] = [
        BadInput(yaml: "target: http://x\nscenarios:\n  - requests: [ { path: / }\n  bad", message: "s.yaml:4: invalid YAML"),
        BadInput(yaml: "target: http://x\nscenarios:\n  - connections: 1\n    duration: 1s\n    requests:\n      - { path: /, weigth: 2 }\n",
                 message: "s.yaml:6: unknown key 'weigth' in a request; accepted: name, method, path, headers, body, weight"),
        BadInput(yaml: "target: http://x\nsenarios: []\n", message: "s.yaml:2: unknown key 'senarios' in the scenario file"),
        BadInput(yaml: "target: http://x\nscenarios:\n  - connections: 1\n    duration: 1s\n    requests: [{ path: / }]\nthresholds:\n  all: [\"p95 < fast\"]\n",
                 message: "s.yaml:7: bad threshold 'p95 < fast'"),
        BadInput(yaml: "target: http://x\nscenarios:\n  - connections: 1\n    duration: soon\n    requests: [{ path: / }]\n",
                 message: "s.yaml:4: invalid duration 'soon'"),
        BadInput(yaml: "target: http://x\nscenarios:\n  - rate: 10\n    requests: [{ path: / }]\n",
                 message: "s.yaml:3: scenario 'scenario-1' needs a 'duration'"),
        BadInput(yaml: "target: http://x\nscenarios:\n  - model: closed\n    rate: 10\n    duration: 1s\n    requests: [{ path: / }]\n",
                 message: "s.yaml:4: 'rate' needs model: open"),
        BadInput(yaml: "target: http://x\nscenarios:\n  - model: open\n    stages: [{ duration: 1s, connections: 3 }]\n    requests: [{ path: / }]\n",
                 message: "s.yaml:4: an open-model stage takes 'rate', not 'connections'"),
        BadInput(yaml: "scenarios: []\n", message: "s.yaml:1: missing 'target'"),
        BadInput(yaml: "", message: "s.yaml: the file is empty"),
        BadInput(yaml: "target: http://x\nprofile: hammer\nscenarios: []\n", message: "s.yaml:2: unknown profile 'hammer'"),
    ]

    @Test(arguments: badInputs)
    func badInputNamesTheLine(_ input: BadInput) {
        do {
            _ = try Scenario(yaml: input.yaml, fileName: "s.yaml")
            Issue.record("accepted: \(input.yaml)")
        } catch {
            #expect(error.description.hasPrefix(input.message), "\(error.description)")
            #expect(!error.description.contains("\n"))
        }
    }

    @Test func planRejectsThresholdsForUnknownNamesAndMissingEnvironment() throws {
        let scenario = try Scenario(yaml: """
            target: http://127.0.0.1:1
            headers: { Authorization: "Bearer ${TOKEN}" }
            scenarios:
              - { connections: 1, duration: 1s, requests: [{ name: home, path: / }] }
            thresholds:
              hme: ["p95 < 1s"]
            """)
        #expect(throws: LoadError.self) { try LoadPlan(scenario, environment: ["TOKEN": "x"]) }
        var fixed = scenario
        fixed.thresholds = []
        do {
            _ = try LoadPlan(fixed, environment: [:])
            Issue.record("a missing environment variable was accepted")
        } catch {
            #expect(error.description == "header 'Authorization': environment variable TOKEN is not set")
        }
    }

    /// `arrivals:` spaces an open workload's requests (uniform by default for a load, poisson for a capacity search),
    /// `seed:` repeats random ones; a closed
    /// workload or an unknown process is a one-line error that names the line.
    @Test func arrivalsAndSeed() throws {
        let scenario = try Scenario(yaml: """
            target: http://127.0.0.1:1
            seed: 42
            scenarios:
              - { name: users, rate: 10, duration: 1s, arrivals: poisson, requests: [{ path: / }] }
              - { name: even, rate: 10, duration: 1s, requests: [{ path: /a }] }
            """)
        #expect(scenario.seed == 42)
        // Unsaid, the command decides: evenly spaced for a load at a rate, at random for a capacity search.
        #expect(scenario.workloads.map(\.arrivals) == [.poisson, nil])
        let plan = try LoadPlan(scenario)
        #expect(plan.workloads.map(\.arrivals) == [.poisson, .uniform])
        let step = scenario.atRate(20, duration: .seconds(1), warmUp: .zero, slo: [])
        #expect(step.workloads.map(\.arrivals) == [.poisson, .poisson])
        for (text, message) in [
            ("{ connections: 2, duration: 1s, arrivals: poisson, requests: [{ path: / }] }", "give the scenario model: open"),
            ("{ rate: 2, duration: 1s, arrivals: bursty, requests: [{ path: / }] }", "unknown arrival process 'bursty'"),
        ] {
            #expect {
                _ = try Scenario(yaml: "target: http://127.0.0.1:1\nscenarios:\n  - \(text)\n")
            } throws: { error in
                "\(error)".contains(message) && "\(error)".contains(":3: ")
            }
        }
    }

    @Test(arguments: ["ftp://x", "https://", "http://", "http://host:99999", "127.0.0.1:8080"])
    func badTargetsAreErrors(_ url: String) {
        #expect(throws: LoadError.self) { _ = try TargetURL(url) }
    }

    @Test func httpsTargetsDefaultToPort443AndLeaveTheDefaultPortOutOfHost() throws {
        let target = try TargetURL("https://Shop.example.com/api/")
        #expect(target.isTLS && target.port == 443 && target.pathPrefix == "/api")
        #expect(target.hostHeader == "Shop.example.com")
        #expect(target.description == "https://Shop.example.com/api")
        #expect(try TargetURL("https://127.0.0.1:8443").hostHeader == "127.0.0.1:8443")
        #expect(try TargetURL("https://127.0.0.1").hostIsAddress)
        #expect(try !TargetURL("http://localhost:80").hostIsAddress)
        #expect(try TargetURL("http://localhost:80").hostHeader == "localhost")
    }

    @Test func tlsAndConnectToFromTheScenarioFileAndTheCommandLine() throws {
        let yaml = """
            target: https://shop.example.com
            ca: certs/ca.pem
            insecure: false
            connect_to: ["shop.example.com:443:127.0.0.1:8443"]
            headers: { Host: from-file, Accept: "*/*" }
            scenarios:
              - { name: a, rate: 5, duration: 1s, requests: [{ name: r, path: / }] }
            """
        let scenario = try Scenario(yaml: yaml, fileName: "s.yaml", directory: "/srv/tests")
        #expect(scenario.tls == TLSSettings(caFile: "/srv/tests/certs/ca.pem", insecure: false))
        #expect(scenario.connectTo.map(\.description) == ["shop.example.com:443:127.0.0.1:8443"])
        var overrides = ScenarioOverrides()
        overrides.insecure = true
        overrides.connectTo = [try ConnectTo(parsing: "::[::1]:9443")]
        overrides.headers = [HeaderField("host", "from-cli")]
        let applied = overrides.apply(to: scenario, reshape: false)
        #expect(applied.tls.insecure && applied.tls.caFile == "/srv/tests/certs/ca.pem")
        #expect(applied.connectTo.map(\.description) == ["::[::1]:9443", "shop.example.com:443:127.0.0.1:8443"])
        #expect(applied.headers.map(\.value) == ["*/*", "from-cli"], "the command line's Host replaces the file's")
        #expect(throws: LoadError.self) {
            _ = try Scenario(yaml: yaml.replacingOccurrences(of: "127.0.0.1:8443", with: "x"), fileName: "s.yaml")
        }
    }

    @Test func profilesCoverTheGuidesTestTypes() throws {
        let workload = Workload(name: "w", model: .open, start: 200, stages: [Stage(duration: .seconds(10), target: 200)],
                                requests: [RequestTemplate(name: "r", path: "/")])
        #expect(Profile.all.map(\.name) == ["smoke", "load", "stress", "spike", "soak"])
        let smoke = Profile.smoke.apply(to: workload, duration: nil)
        #expect(smoke.model == .closed && smoke.peak == 1 && smoke.duration == .seconds(60))
        #expect(Profile.stress.apply(to: workload, duration: nil).peak == 600)
        let spike = Profile.spike.apply(to: workload, duration: .seconds(100))
        #expect(spike.start == 20 && spike.peak == 200 && spike.duration == .seconds(100))
        #expect(Profile.soak.apply(to: workload, duration: nil).duration == .seconds(3600))
        #expect(throws: LoadError.self) { _ = try Profile(named: "fast") }
    }
}

@Suite struct RateOverrideTests {
    /// `--rate` on several workloads keeps the scenario's mix: shared in proportion to their peaks.
    @Test func severalWorkloadsShareTheRateInProportion() throws {
        let scenario = try Scenario(yaml: """
            target: http://127.0.0.1:1
            scenarios:
              - { name: mix, model: open, stages: [{ duration: 10s, rate: 100 }], requests: [{ name: a, path: /a }] }
              - name: buyers
                model: open
                stages: [{ duration: 10s, rate: 25 }]
                flow: [{ name: one, path: /1 }, { name: two, path: /2 }]
            """, fileName: "two.yaml")
        var overrides = ScenarioOverrides()
        overrides.rate = 40
        #expect(overrides.apply(to: scenario, reshape: true).workloads.map(\.peak) == [32, 8])
        let single = try Scenario(yaml: "target: http://127.0.0.1:1\nscenarios:\n  - { name: a, model: open, stages: [{ duration: 1s, rate: 5 }], requests: [{ name: a, path: / }] }\n", fileName: "one.yaml")
        #expect(overrides.apply(to: single, reshape: true).workloads.map(\.peak) == [40])
    }
}
