import TunerCore

/// Connection-pool sizing from the PostgreSQL wiki's starting point,
/// connections = (cores × 2) + effective spindles, and the guides' app worker count, 2 × cores + 1.
///
/// A starting point only: the real knee depends on the queries, and `tuner sweep` measures it.
public struct PoolSizing: Sendable, Equatable {
    public struct Inputs: Sendable, Equatable {
        /// Cores of the database server.
        public var databaseCPUs: Int
        /// Effective spindles: 0 when the active data is cached in RAM, about 1 per independent disk otherwise.
        public var spindles: Int
        /// How many application instances share the database.
        public var appInstances: Int
        /// Cores of one application instance (for its worker count).
        public var appCPUs: Int

        /// Checks each value; errors say what is accepted.
        public init(databaseCPUs: Int, spindles: Int = 1, appInstances: Int = 1, appCPUs: Int? = nil)
            throws(ParseError)
        {
            guard (1...4096).contains(databaseCPUs) else {
                throw ParseError("--cpus \(databaseCPUs) is out of range; accepted: 1 to 4096")
            }
            guard (0...1000).contains(spindles) else {
                throw ParseError("--spindles \(spindles) is out of range; accepted: 0 to 1000 (0 when data is cached)")
            }
            guard (1...10_000).contains(appInstances) else {
                throw ParseError("--app-instances \(appInstances) is out of range; accepted: 1 to 10000")
            }
            let appCPUs = appCPUs ?? databaseCPUs
            guard (1...4096).contains(appCPUs) else {
                throw ParseError("--app-cpus \(appCPUs) is out of range; accepted: 1 to 4096")
            }
            self.databaseCPUs = databaseCPUs
            self.spindles = spindles
            self.appInstances = appInstances
            self.appCPUs = appCPUs
        }
    }

    public let inputs: Inputs

    public init(_ inputs: Inputs) { self.inputs = inputs }

    /// (cores × 2) + effective spindles: the active connections the database serves best.
    public var totalConnections: Int { inputs.databaseCPUs * 2 + inputs.spindles }

    /// Each instance's share of the total (at least 1).
    public var connectionsPerInstance: Int { max(1, totalConnections / inputs.appInstances) }

    /// Connections left over when the total does not divide evenly (give them to no one: headroom).
    public var unassignedConnections: Int {
        max(0, totalConnections - connectionsPerInstance * inputs.appInstances)
    }

    /// True when there are more instances than connections, so the instances together exceed the total.
    public var isOversubscribed: Bool { inputs.appInstances > totalConnections }

    /// The guides' worker count per application instance: 2 × cores + 1.
    public var appWorkersPerInstance: Int { inputs.appCPUs * 2 + 1 }

    /// PgBouncer's extra server connections for bursts: a fifth of the pool, at least 1.
    public var reservePoolSize: Int { max(1, (totalConnections + 4) / 5) }

    /// Client connections PgBouncer accepts: every worker of every instance, doubled for the overlap of a
    /// rolling deploy, and never below PgBouncer's own default of 100.
    public var maxClientConnections: Int { max(100, 2 * inputs.appInstances * appWorkersPerInstance) }

    /// max_connections the server needs for this pool: pool + reserve + 3 superuser slots + 5 for admin and monitoring.
    public var serverConnectionsNeeded: Int { totalConnections + reservePoolSize + 3 + 5 }

    /// The plain-language caveat every output carries.
    public static let caveat = "This formula is a starting point, not a measurement: the best pool size depends on"
        + " your queries. `tuner sweep --param POOL_SIZE=2,4,8,16` measures the real knee by load-testing each pool size."
}
