import ArgumentParser
import TunerCore
import TunerOrchestration

/// Where `tuner run` and `tuner load` read the service's own CPU and memory, and the energy estimate's assumptions.
struct ServiceOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The service's process: its CPU and memory, with every descendant's, are read during the load.",
                               valueName: "PID"))
    var servicePid: Int32?

    @Option(help: ArgumentHelp("The service's cgroup directory (a container's): v2 cpu.stat/memory.current or v1 cpuacct.usage.",
                               valueName: "PATH"))
    var serviceCgroup: String?

    @Option(help: ArgumentHelp("Watts one fully busy core draws, for the energy estimate (default 12).", valueName: "W"))
    var wattsPerCore = ServiceUsage.EnergyEstimate.defaultWattsPerBusyCore

    @Option(help: ArgumentHelp("Grams of CO2 per kWh of the grid, for the CO2 estimate (default 400).", valueName: "G"))
    var gridIntensity = ServiceUsage.EnergyEstimate.defaultGramsCO2PerKilowattHour

    func validate() throws {
        if servicePid != nil && serviceCgroup != nil { throw ValidationError("give --service-pid or --service-cgroup, not both") }
        if let servicePid, servicePid <= 0 { throw ValidationError("--service-pid must be a process id (greater than 0)") }
        if !(wattsPerCore > 0) { throw ValidationError("--watts-per-core must be greater than 0") }
        if !(gridIntensity >= 0) { throw ValidationError("--grid-intensity cannot be negative") }
    }

    /// The meter for `tuner load`, when a source was given.
    var meter: ServiceUsageMeter? {
        let source: ServiceSource? = servicePid.map { .pid($0) } ?? serviceCgroup.map { .cgroup($0) }
        guard let source else { return nil }
        var meter = ServiceUsageMeter(source: source)
        meter.wattsPerBusyCore = wattsPerCore
        meter.gramsCO2PerKilowattHour = gridIntensity
        return meter
    }

    func apply(to workflow: inout RunWorkflow) {
        if let servicePid { workflow.service = .pid(servicePid) }
        if let serviceCgroup { workflow.service = .cgroup(serviceCgroup) }
        workflow.wattsPerBusyCore = wattsPerCore
        workflow.gramsCO2PerKilowattHour = gridIntensity
    }
}
