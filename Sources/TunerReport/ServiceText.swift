import TunerCore

/// The service's own figures as label–value rows, for report.md and report.html alike.
enum ServiceText {
    /// `endpoint`: the one request name of a run that sent only one kind, whose CPU per request is then that
    /// endpoint's own.
    static func rows(_ usage: ServiceUsage, endpoint: String? = nil) -> [(label: String, value: String)] {
        var rows: [(String, String)] = [("source", usage.source)]
        if let perRequest = usage.cpuMillisecondsPerRequest {
            rows.append((endpoint.map { "CPU per request of \($0) (the only endpoint)" } ?? "CPU per request", NumberFormat.millis(perRequest)))
        }
        rows.append(("CPU during the load (warm-up included)", "\(NumberFormat.number(usage.cpuSeconds)) s over \(NumberFormat.count(usage.requests)) requests"))
        rows.append(("cores used", "\(NumberFormat.number(usage.coresMean)) mean" + (usage.coresMax.map { ", \(NumberFormat.number($0)) in the busiest second" } ?? "")))
        if let peak = usage.residentBytesPeak {
            rows.append(("resident memory", (usage.residentBytesAtStart.map { "\(ByteSize(bytes: $0).humanDescription) at the start, " } ?? "")
                + "\(ByteSize(bytes: peak).humanDescription) peak"))
        }
        if let energy = usage.energy {
            rows.append(("energy per request (estimate)", "\(ServiceUsage.small(energy.joulesPerRequest)) J"))
            rows.append(("CO2 per request (estimate)", "\(ServiceUsage.small(energy.gramsCO2PerRequest)) g"))
            rows.append(("estimate's assumptions", "CPU time only; \(NumberFormat.number(energy.wattsPerBusyCore)) W per busy core, "
                + "\(NumberFormat.number(energy.gramsCO2PerKilowattHour)) g CO2 per kWh (--watts-per-core, --grid-intensity)"))
        }
        return rows
    }
}
