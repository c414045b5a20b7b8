import TunerCore

/// What kind of work the database does; pgtune's "DB Type".
///
/// An enum on purpose: every formula switches over it, so a new type added here
/// makes the compiler point at each formula that must decide its value.
public enum DatabaseType: String, CaseIterable, Sendable, Codable {
    case web, oltp, dw, desktop, mixed

    /// How `--help` and errors describe the type.
    public var title: String {
        switch self {
        case .web: "web application"
        case .oltp: "online transaction processing"
        case .dw: "data warehouse"
        case .desktop: "desktop application"
        case .mixed: "mixed type of application"
        }
    }
}

/// The storage holding the data; pgtune's "Data Storage".
public enum StorageType: String, CaseIterable, Sendable, Codable {
    case hdd, ssd, san, nvme
}

/// The server's operating system; pgtune's "OS Type".
public enum OperatingSystem: String, CaseIterable, Sendable, Codable {
    case linux, windows, mac
}

/// How the data compares with RAM; pgtune's "Data Size" input (added with nvme in 2026).
public enum DataSize: String, CaseIterable, Sendable, Codable {
    case lessThanRAM = "less-than-ram"
    case ramTo3x = "ram-to-3x"
    case moreThan3xRAM = "more-than-3x-ram"
}

/// The hardware and workload pgtune's formulas start from, with pgtune's defaults.
public struct ConfigurationInputs: Sendable, Equatable {
    /// The PostgreSQL versions pgtune knows (10 … 18).
    public static let supportedVersions: ClosedRange<Int> = 10...18
    /// pgtune's form refuses fewer connections than this.
    public static let connectionRange: ClosedRange<Int> = 20...999_999
    /// pgtune's form limit for the CPU count.
    public static let cpuRange: ClosedRange<Int> = 1...999_999
    /// pgtune's form wants 512MB; its formulas (and their low-memory warning) work down to this.
    public static let minimumMemory = ByteSize.megabytes(16)
    /// pgtune's form limit: 999999 in its largest unit, TB (added to pgtune in April 2026).
    public static let maximumMemory = ByteSize.gigabytes(999_999 * 1024)

    /// Total RAM the server may use (a container's limit, not the host's memory).
    public var memory: ByteSize
    /// CPU count; `nil` leaves the parallel settings, io_workers and autovacuum_max_workers out, as pgtune does.
    public var cpus: Int?
    /// `nil` means pgtune's default for the database type.
    public var connections: Int?
    public var storage: StorageType
    public var databaseType: DatabaseType
    public var postgresVersion: Int
    public var operatingSystem: OperatingSystem
    public var dataSize: DataSize

    /// Checks every value against what pgtune accepts; the memory is rounded down to whole kB.
    public init(memory: ByteSize, cpus: Int? = nil, connections: Int? = nil, storage: StorageType = .ssd,
                databaseType: DatabaseType = .web, postgresVersion: Int = 18,
                operatingSystem: OperatingSystem = .linux, dataSize: DataSize = .ramTo3x) throws(ParseError) {
        guard memory >= Self.minimumMemory, memory <= Self.maximumMemory else {
            throw ParseError("memory \(memory.humanDescription) is out of range; accepted: 16MB to 999999TB (e.g. 16GB)")
        }
        if let cpus, !Self.cpuRange.contains(cpus) {
            throw ParseError("--cpus \(cpus) is out of range; accepted: 1 to 999999")
        }
        if let connections, !Self.connectionRange.contains(connections) {
            throw ParseError("--connections \(connections) is out of range; accepted: 20 to 999999 (as pgtune)")
        }
        guard Self.supportedVersions.contains(postgresVersion) else {
            throw ParseError("PostgreSQL version \(postgresVersion) is not supported; accepted: 10 to 18")
        }
        self.memory = ByteSize(bytes: memory.bytes / 1024 * 1024)
        self.cpus = cpus
        self.connections = connections
        self.storage = storage
        self.databaseType = databaseType
        self.postgresVersion = postgresVersion
        self.operatingSystem = operatingSystem
        self.dataSize = dataSize
    }
}

extension CaseIterable where Self: RawRepresentable, RawValue == String {
    /// Parses a command-line value, or fails with one line listing what is accepted.
    public static func parse(_ text: String, option: String) throws(ParseError) -> Self {
        let wanted = text.lowercased()
        if let match = allCases.first(where: { $0.rawValue == wanted }) { return match }
        let accepted = allCases.map(\.rawValue).joined(separator: ", ")
        throw ParseError("unknown \(option) '\(text)'; accepted: \(accepted)")
    }
}
