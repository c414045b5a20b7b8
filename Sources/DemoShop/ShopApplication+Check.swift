import DemoShopData
import TunerPostgres

extension ShopApplication {
    /// Connects once to `url` and checks that the shop's tables are there; throws a one-line error that
    /// says what to do otherwise (start PostgreSQL, fix the URL, seed with `--seed`).
    public static func checkDatabase(url: String) async throws {
        let settings = try ShopConnection.settings(url)
        let missing = try await DatabaseSession.withSession(settings) { session in
            var missing: [String] = []
            for table in ShopSchema.tableNames {
                let found = try await session.scalar("SELECT to_regclass($1) IS NOT NULL AS found", [table])
                if found?.bool != true { missing.append(table) }
            }
            return missing
        }
        if !missing.isEmpty {
            throw ShopConfigurationError(
                "\(settings.redactedURL) has no \(missing.joined(separator: ", ")) table; run demo-shop with --seed")
        }
    }
}
