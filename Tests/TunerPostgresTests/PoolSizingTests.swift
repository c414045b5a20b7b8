import Foundation
import Testing
import TunerCore

@testable import TunerPostgres

/// The wiki formula, its split across instances, the worker count, and the PgBouncer ini as valid ini.
@Suite struct PoolSizingTests {
    @Test func wikiFormulaAndWorkers() throws {
        let sizing = PoolSizing(try .init(databaseCPUs: 8, spindles: 2, appInstances: 3, appCPUs: 4))
        #expect(sizing.totalConnections == 18)  // 8 × 2 + 2
        #expect(sizing.connectionsPerInstance == 6)
        #expect(sizing.unassignedConnections == 0)
        #expect(sizing.appWorkersPerInstance == 9)  // 2 × 4 + 1
        #expect(sizing.reservePoolSize == 4)  // a fifth of 18, rounded up
        #expect(sizing.maxClientConnections == 100)  // 2 × 3 × 9 = 54, PgBouncer's default floor
        #expect(sizing.serverConnectionsNeeded == 18 + 4 + 3 + 5)
        #expect(!sizing.isOversubscribed)
    }

    @Test func unevenSplitAndOversubscription() throws {
        let uneven = PoolSizing(try .init(databaseCPUs: 4, spindles: 1, appInstances: 4))
        #expect(uneven.totalConnections == 9)
        #expect(uneven.connectionsPerInstance == 2)
        #expect(uneven.unassignedConnections == 1)
        #expect(uneven.text.contains("(1 left as headroom)"))
        let crowded = PoolSizing(try .init(databaseCPUs: 1, spindles: 0, appInstances: 5))
        #expect(crowded.totalConnections == 2)
        #expect(crowded.connectionsPerInstance == 1)
        #expect(crowded.isOversubscribed)
        let many = PoolSizing(try .init(databaseCPUs: 2, appInstances: 40, appCPUs: 2))
        #expect(many.maxClientConnections == 400)  // 2 × 40 × 5
    }

    @Test func badInputSaysWhatIsAccepted() {
        #expect(throws: ParseError.self) { try PoolSizing.Inputs(databaseCPUs: 0) }
        #expect(throws: ParseError.self) { try PoolSizing.Inputs(databaseCPUs: 2, spindles: -1) }
        #expect(throws: ParseError.self) { try PoolSizing.Inputs(databaseCPUs: 2, appInstances: 0) }
        #expect(throws: ParseError.self) { try PoolSizing.Inputs(databaseCPUs: 2, appCPUs: 0) }
    }

    @Test func textSaysTheFormulaIsAStartingPoint() throws {
        let text = PoolSizing(try .init(databaseCPUs: 4)).text
        #expect(text.contains("(4 cores × 2) + 1 effective spindle(s) = 9"))
        #expect(text.contains("starting point"))
        #expect(text.contains("tuner sweep"))
    }

    @Test func pgbouncerINIParsesBack() throws {
        let sizing = PoolSizing(try .init(databaseCPUs: 4, spindles: 1, appInstances: 2, appCPUs: 8))
        let server = try ConnectionSettings(url: "postgres://app:secret@db.internal:5433/shop")
        let ini = PgBouncerConfig(sizing: sizing, server: server).ini
        #expect(!ini.contains("secret"))
        let sections = try INI.parse(ini)
        #expect(Set(sections.keys) == ["databases", "pgbouncer"])
        #expect(sections["databases"]?["shop"] == "host=db.internal port=5433 dbname=shop")
        let bouncer = try #require(sections["pgbouncer"])
        #expect(bouncer["pool_mode"] == "transaction")
        #expect(bouncer["default_pool_size"] == "9")
        #expect(bouncer["reserve_pool_size"] == "2")
        #expect(bouncer["max_db_connections"] == "11")
        #expect(bouncer["max_client_conn"] == "100")
        #expect(bouncer["listen_port"] == "6432")
        let everywhere = try INI.parse(PgBouncerConfig(sizing: sizing).ini)
        #expect(everywhere["databases"]?["*"] == "host=127.0.0.1 port=5432")
    }

    @Test func oddDatabaseNamesAreQuoted() throws {
        let sizing = PoolSizing(try .init(databaseCPUs: 2))
        let ini = PgBouncerConfig(sizing: sizing, serverHost: "/var/run/postgresql", database: "my db").ini
        let sections = try INI.parse(ini)
        #expect(sections["databases"]?["\"my db\""] == "host=/var/run/postgresql port=5432 dbname='my db'")
    }
}

/// A strict ini reader: `[section]`, `key = value`, `;`/`#` comments, blank lines; anything else is an error.
enum INI {
    struct Malformed: Error, CustomStringConvertible {
        let description: String
    }

    static func parse(_ text: String) throws -> [String: [String: String]] {
        var sections: [String: [String: String]] = [:]
        var current: String?
        for (number, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix(";") || line.hasPrefix("#") { continue }
            if line.hasPrefix("[") {
                guard line.hasSuffix("]"), line.count > 2 else { throw Malformed(description: "line \(number + 1): \(line)") }
                let name = String(line.dropFirst().dropLast())
                guard sections[name] == nil else { throw Malformed(description: "duplicate section \(name)") }
                sections[name] = [:]
                current = name
                continue
            }
            guard let section = current, let equals = line.firstIndex(of: "=") else {
                throw Malformed(description: "line \(number + 1) is neither a section nor key = value: \(line)")
            }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces)
            let value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            guard !key.isEmpty, sections[section]?[key] == nil else {
                throw Malformed(description: "line \(number + 1): empty or duplicate key")
            }
            sections[section]?[key] = value
        }
        return sections
    }
}
