import TunerCore

/// What `tuner db config` was asked, checked: the choices pgtune's form offers, and the machine's memory and
/// CPUs, given or detected (with where each detected figure came from).
public struct ConfigurationRequest: Sendable {
    public var storage: StorageType
    public var databaseType: DatabaseType
    public var operatingSystem: OperatingSystem
    public var dataSize: DataSize
    public var connections: Int?
    /// The settings are compared with (or applied to) a live server.
    public var usesDatabase: Bool
    public var memory = ByteSize.gigabytes(1)
    public var cpus: Int?
    /// `memory`/`cpus` → where the detected figure came from (absent when given).
    public var sources: InputSources = [:]

    public init(storage: StorageType, databaseType: DatabaseType, operatingSystem: OperatingSystem, dataSize: DataSize,
                connections: Int?, usesDatabase: Bool) {
        self.storage = storage
        self.databaseType = databaseType
        self.operatingSystem = operatingSystem
        self.dataSize = dataSize
        self.connections = connections
        self.usesDatabase = usesDatabase
    }

    /// `--memory` and `--cpus` as given, the rest detected on this machine (cgroup limits honoured), memory in
    /// whole MB as pgtune's form takes it. A bare number below the minimum memory is refused: it is bytes.
    public mutating func setMachine(memory text: String?, cpus given: Int?,
                                    detect: () -> MachineResources? = { MachineDetection().detect() })
        throws(ParseError)
    {
        if let text {
            let size = try ByteSize(parsing: text)
            if size < ConfigurationInputs.minimumMemory && !text.contains(where: \.isLetter) {
                throw ParseError("--memory \(text) is \(text) bytes; give a unit, e.g. \(text)GB")
            }
            memory = size
        }
        cpus = given
        guard text == nil || given == nil else { return }
        guard let machine = detect() else { throw ParseError("cannot detect memory and CPUs here; pass --memory and --cpus") }
        if text == nil {
            memory = ByteSize(bytes: machine.memory.bytes / (1 << 20) * (1 << 20))
            sources["memory"] = machine.memorySource
        }
        if given == nil {
            cpus = machine.cpus
            sources["cpus"] = machine.cpuSource
        }
    }

    public func inputs(version: Int) throws(ParseError) -> ConfigurationInputs {
        try ConfigurationInputs(memory: memory, cpus: cpus, connections: connections, storage: storage,
                                databaseType: databaseType, postgresVersion: version,
                                operatingSystem: operatingSystem, dataSize: dataSize)
    }
}

extension ConfigurationInputs {
    /// The server's major version clamped to the versions pgtune knows.
    public static func nearestSupportedVersion(_ major: Int) -> Int {
        min(max(major, supportedVersions.lowerBound), supportedVersions.upperBound)
    }
}
