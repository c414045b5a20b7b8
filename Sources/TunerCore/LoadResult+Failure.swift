extension LoadResult {
    /// Why a finished run is still a failure when not one request got an HTTP response (every one refused,
    /// reset, timed out or answered with garbage): the run measured the failure, not the service. nil otherwise.
    public var noResponseMessage: String? {
        guard overall.count > 0, overall.statusCodes.isEmpty else { return nil }
        let kinds = overall.errors.sorted { $0.value > $1.value }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
        var message = "no request got an HTTP response from \(configuration.target) (\(kinds))"
        if let note = notes.first(where: { $0.contains("not valid HTTP") }) { message += "; \(note)" }
        return message
    }
}
