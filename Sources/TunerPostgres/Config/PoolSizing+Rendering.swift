import Foundation
import TunerCore

extension PoolSizing {
    /// The sizing in plain language, each number with the formula that made it.
    public var text: String {
        let i = inputs
        var out = "connection pool (PostgreSQL wiki): (\(i.databaseCPUs) cores × 2) + \(i.spindles) effective spindle(s)"
            + " = \(totalConnections) connections in total\n"
        if i.appInstances > 1 {
            out += "  per application instance: \(totalConnections) / \(i.appInstances) instances"
                + " = \(connectionsPerInstance) connection(s)"
            if unassignedConnections > 0 { out += " (\(unassignedConnections) left as headroom)" }
            out += "\n"
        }
        if isOversubscribed {
            out += "  more instances than connections: each instance gets 1, so together they open \(i.appInstances);"
                + " put PgBouncer in front (below) so the database still sees \(totalConnections)\n"
        }
        out += "app workers per instance (2 × \(i.appCPUs) cores + 1): \(appWorkersPerInstance)\n"
        out += "server max_connections needed: at least \(serverConnectionsNeeded)"
            + " (pool \(totalConnections) + reserve \(reservePoolSize) + 3 superuser + 5 admin/monitoring)\n"
        out += "\n\(Self.caveat)\n"
        return out
    }

    /// The sizing as JSON (numbers as numbers).
    public func json(pgbouncerINI: String, live: LivePoolPicture? = nil) -> String {
        var members = [
            "\"database_cpus\": \(inputs.databaseCPUs)", "\"spindles\": \(inputs.spindles)",
            "\"app_instances\": \(inputs.appInstances)", "\"app_cpus\": \(inputs.appCPUs)",
            "\"connections\": \(totalConnections)", "\"connections_per_instance\": \(connectionsPerInstance)",
            "\"app_workers_per_instance\": \(appWorkersPerInstance)", "\"reserve_pool_size\": \(reservePoolSize)",
            "\"max_client_conn\": \(maxClientConnections)",
            "\"server_max_connections_needed\": \(serverConnectionsNeeded)",
            "\"pgbouncer_ini\": \(JSONText.string(pgbouncerINI))",
            "\"caveat\": \(JSONText.string(Self.caveat))",
        ]
        if let live {
            let states = live.connectionsByState.map { "\(JSONText.string($0.state)): \($0.count)" }
            let assessment = live.assessment(against: self).map(JSONText.string)
            members.append("\"live\": {" + [
                "\"max_connections\": \(live.maxConnections)", "\"reserved_connections\": \(live.reservedConnections)",
                "\"client_connections\": \(live.clientConnections)",
                "\"by_state\": {\(states.joined(separator: ", "))}",
                "\"invisible_sessions\": \(live.invisibleSessions)", "\"peak_active\": \(live.peakActive)",
                "\"peak_open\": \(live.peakOpen)",
                "\"average_active\": \(String(format: "%.2f", live.averageActive))",
                "\"samples\": \(live.samples)", "\"sample_seconds\": \(String(format: "%.1f", live.sampleDuration.seconds))",
                "\"assessment\": [\(assessment.joined(separator: ", "))]",
            ].joined(separator: ", ") + "}")
        }
        return "{\n" + members.map { "  " + $0 }.joined(separator: ",\n") + "\n}\n"
    }
}

extension LivePoolPicture {
    /// The live picture in plain language, with the assessment against a sizing.
    public func text(server: String, against sizing: PoolSizing) -> String {
        var out = "live picture of \(server):\n"
        out += "  max_connections \(maxConnections) (\(reservedConnections) reserved for superusers"
            + " and reserved roles; \(usableConnections) usable)\n"
        let states = connectionsByState.map { "\($0.count) \($0.state)" }
            + (invisibleSessions > 0 ? ["\(invisibleSessions) not visible to this role"] : [])
        out += "  client connections: \(clientConnections)"
            + (states.isEmpty ? "" : " (\(states.joined(separator: ", ")))") + "\n"
        out += "  during \(sampleDuration.shortDescription) (\(samples) samples): peak active \(peakActive),"
            + " average active \(String(format: "%.1f", averageActive)), peak open \(peakOpen)\n"
        for line in assessment(against: sizing) { out += "  - \(line)\n" }
        return out
    }
}
