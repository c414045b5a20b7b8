import Foundation
import HummingbirdTesting
import NIOCore
import Testing

#if canImport(Glibc)
import Glibc
import TunerTestSupport
#endif

/// The `demo-shop` executable, as `tuner demo` runs it: a subprocess whose first stdout line gives the port.
@Suite(.serialized, .suiteCluster) struct DemoShopCLITests {
    static let binary = BuiltProducts.path("demo-shop")

    /// A started `demo-shop`, its stdout and stderr pipes.
    struct Running {
        let process: Process
        let stdout: Pipe
        let stderr: Pipe
    }

    static func start(_ arguments: [String], environment: [String: String] = [:]) throws -> Running {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "DATABASE_URL")
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        return Running(process: process, stdout: stdout, stderr: stderr)
    }

    /// Reads stdout up to the first newline.
    static func firstLine(of pipe: Pipe) -> String {
        var bytes: [UInt8] = []
        while true {
            let chunk = pipe.fileHandleForReading.readData(ofLength: 1)
            guard let byte = chunk.first, byte != UInt8(ascii: "\n") else { break }
            bytes.append(byte)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func run(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let running = try start(arguments)
        running.process.waitUntilExit()
        let out = String(decoding: running.stdout.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let err = String(decoding: running.stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        return (running.process.terminationStatus, out, err)
    }

    @Test func servesPrintsOneLineAndFlushesTheAuditBufferOnSIGTERM() async throws {
        let url = try await ShopTest.seededDatabase()
        let running = try Self.start(["--db", url, "--port", "0", "--mode", "tuned", "--pool-size", "3"],
                                     environment: ["BUFFER_FLUSH_INTERVAL": "1h", "BUFFER_SIZE_LIMIT": "1000"])
        let line = await Task.detached { Self.firstLine(of: running.stdout) }.value
        let match = try #require(line.wholeMatch(of: /listening on http:\/\/127\.0\.0\.1:(\d+)/), "got '\(line)'")
        let port = try #require(Int(match.1))
        try await ShopTest.concurrently(6, port: port) { index, client in
            let response = try await client.post(
                "/orders", headers: [.contentType: "application/json"],
                body: ByteBuffer(string: #"{"customer": 4, "items": [[\#(index + 1), 2]]}"#))
            #expect(response.status == .created)
        }
        #expect(try await ShopTest.integer("SELECT count(*) FROM audit_log", in: url) == 0, "still buffered")
        kill(running.process.processIdentifier, SIGTERM)
        await Task.detached { running.process.waitUntilExit() }.value
        #expect(running.process.terminationStatus == 0)
        let rest = String(decoding: running.stdout.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(rest.isEmpty, "stdout carries only the listening line")
        #expect(try await ShopTest.integer("SELECT count(*) FROM audit_log", in: url) == 6)
    }

    @Test func seedOnlyLoadsAndReportsProgressOnStderr() async throws {
        let cluster = try SuiteCluster.cluster
        let url = try await cluster.createDatabase("cli_seed")
        let result = try Self.run(["--db", url, "--seed-only", "--scale", "1"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains("seeded scale 1 in"))
        #expect(try await ShopTest.integer("SELECT count(*) FROM products", in: url) == 50)
    }

    @Test func badInvocationsAreOneLineWithTheRightExitCode() async throws {
        let noDatabase = try Self.run(["--port", "0"])
        #expect(noDatabase.status == 64)
        #expect(noDatabase.stderr.contains("no database"))
        let badMode = try Self.run(["--db", "postgres://x@127.0.0.1/db", "--mode", "fast"])
        #expect(badMode.status == 64)
        let unreachable = try Self.run(["--db", "postgres://postgres@127.0.0.1:1/none?sslmode=disable", "--port", "0"])
        #expect(unreachable.status == 1)
        #expect(unreachable.stderr.contains("cannot connect"))
        #expect(unreachable.stderr.split(separator: "\n").count == 1, "\(unreachable.stderr)")
        let cluster = try SuiteCluster.cluster
        let empty = try await cluster.createDatabase("cli_empty")
        let unseeded = try Self.run(["--db", empty, "--port", "0"])
        #expect(unseeded.status == 1)
        #expect(unseeded.stderr.contains("--seed"))
    }
}
