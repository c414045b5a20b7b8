import TunerPostgres

/// The shop's database URL, read and checked the same way by the shop and its seeder.
package enum ShopConnection {
    /// Fails at once, with a one-line reason, when `url` cannot be connected to. (A pool would keep
    /// retrying in the background and let its callers wait.)
    package static func check(url: String) async throws {
        _ = try await DatabaseSession.withSession(try settings(url)) { _ in true }
    }

    package static func settings(_ url: String) throws -> ConnectionSettings {
        do {
            return try ConnectionSettings(url: url)
        } catch {
            throw ShopConfigurationError("database URL: \(error)")
        }
    }
}

/// A configuration or database URL the shop cannot use; the description says what to do.
public struct ShopConfigurationError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
