/// What `--apply` did: `ALTER SYSTEM` per differing setting, then `pg_reload_conf()`.
public struct SettingsApplyResult: Sendable {
    public struct Failure: Sendable, Equatable {
        public let name: String
        public let message: String
    }

    /// Written to postgresql.auto.conf and in effect after the reload.
    public let inEffect: [String]
    /// Written, but waiting for a server restart (postmaster settings).
    public let waitingForRestart: [String]
    /// Written, reloaded, but still not in effect (e.g. a command-line setting outranks it).
    public let notInEffect: [String]
    /// Refused by the server (privilege, a value this build does not support, …).
    public let failed: [Failure]
    /// Why `pg_reload_conf()` failed, when it did (the written settings then wait for a reload).
    public var reloadError: String? = nil
}

/// Applies a diff with `ALTER SYSTEM` and reloads; the session must allow writes (`DatabaseSession.Options.applying`).
public enum SettingsApplier {
    /// How long to wait for the reload to reach this session's backend.
    static let reloadWait: Duration = .seconds(3)

    public static func apply(_ diff: LiveSettingsDiff, in session: DatabaseSession) async throws(DatabaseError)
        -> SettingsApplyResult
    {
        var written: [SettingDifference] = []
        var failed: [SettingsApplyResult.Failure] = []
        for difference in diff.differences {
            guard difference.name.allSatisfy({ $0.isLetter || $0 == "_" || $0 == "." }) else {
                failed.append(.init(name: difference.name, message: "not a setting name"))
                continue
            }
            do {
                try await session.execute("ALTER SYSTEM SET \(difference.name) = "
                    + ConfigurationRecommendation.sqlLiteral(difference.recommended))
                written.append(difference)
            } catch {
                failed.append(.init(name: difference.name, message: "\(error)"))
            }
        }
        guard !written.isEmpty else {
            return SettingsApplyResult(inEffect: [], waitingForRestart: [], notInEffect: [], failed: failed)
        }
        do {
            _ = try await session.rows("SELECT pg_reload_conf()")
        } catch {
            // ALTER SYSTEM may be granted without pg_reload_conf(): what was written waits for a reload.
            return SettingsApplyResult(inEffect: [], waitingForRestart: [], notInEffect: written.map(\.name),
                                       failed: failed, reloadError: "\(error)")
        }
        let reloadable = written.filter { !$0.needsRestart }
        var live: [String: LiveSettingsReader.Value] = [:]
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: reloadWait)
        // The postmaster signals each backend; this one re-reads the files before its next command, so poll briefly.
        repeat {
            let result = try await LiveSettingsReader(session: session).read(written.map(\.name))
            live = result.values.compactMapValues { if case .value(let v) = $0 { v } else { nil } }
            let pending = reloadable.filter { !SettingValue.equal(live[$0.name]?.shown ?? "", $0.recommended) }
            if pending.isEmpty { break }
            try? await Task.sleep(for: .milliseconds(100))
        } while clock.now < deadline
        var inEffect: [String] = [], waiting: [String] = [], notInEffect: [String] = []
        for difference in written {
            let value = live[difference.name]
            if SettingValue.equal(value?.shown ?? "", difference.recommended) {
                inEffect.append(difference.name)
            } else if difference.needsRestart || value?.pendingRestart == true {
                waiting.append(difference.name)
            } else {
                notInEffect.append(difference.name)
            }
        }
        return SettingsApplyResult(inEffect: inEffect, waitingForRestart: waiting, notInEffect: notInEffect,
                                   failed: failed)
    }

    /// Opens a writing session, compares, applies what differs, closes; returns the diff and what was applied.
    public static func apply(_ recommendation: ConfigurationRecommendation, at settings: ConnectionSettings)
        async throws -> (diff: LiveSettingsDiff, result: SettingsApplyResult)
    {
        try await DatabaseSession.withSession(settings, options: .applying) { session in
            let diff = try await LiveSettingsDiff.compare(recommendation, in: session)
            return (diff, try await apply(diff, in: session))
        }
    }
}
