import DemoShopData
import Foundation
import TunerCore

/// A configuration value that could not be understood; `description` names the variable or flag.

extension ShopConfiguration {
    /// The environment variable that switches one practice: `SHOP_BATCHED_LOADING`, `SHOP_CACHE`, …
    public static func environmentName(ofPractice name: String) -> String {
        "SHOP_" + name.uppercased().replacingOccurrences(of: "-", with: "_")
    }

    /// Applies the environment: `SHOP_MODE` first (it resets the practices), then each `SHOP_<PRACTICE>`
    /// (`on`/`off`), `SHOP_POOL_SIZE`, `CACHE_TTL`, `BUFFER_FLUSH_INTERVAL`, `BUFFER_SIZE_LIMIT`,
    /// `SHOP_MAX_PAGE_SIZE`, and `DATABASE_URL` when no URL was given.
    public mutating func apply(environment: [String: String]) throws(ShopConfigurationError) {
        if let text = environment["SHOP_MODE"] {
            guard let mode = ShopMode(rawValue: text.lowercased()) else {
                throw ShopConfigurationError("SHOP_MODE must be naive or tuned, not '\(text)'")
            }
            self.mode = mode
            self.practices = mode.practices
        }
        for practice in ShopPractices.names {
            let variable = Self.environmentName(ofPractice: practice.name)
            if let text = environment[variable] {
                practices[keyPath: practice.keyPath] = try Self.parseSwitch(text, name: variable)
            }
        }
        if let text = environment["SHOP_POOL_SIZE"] {
            poolSize = try Self.parseCount(text, name: "SHOP_POOL_SIZE")
        }
        if let text = environment["SHOP_MAX_PAGE_SIZE"] {
            maximumPageSize = try Self.parseCount(text, name: "SHOP_MAX_PAGE_SIZE")
        }
        if let text = environment["BUFFER_SIZE_LIMIT"] {
            auditBufferLimit = try Self.parseCount(text, name: "BUFFER_SIZE_LIMIT")
        }
        if let text = environment["BUFFER_FLUSH_INTERVAL"] {
            auditFlushInterval = try Self.parseDuration(text, name: "BUFFER_FLUSH_INTERVAL")
        }
        if let text = environment["CACHE_TTL"] {
            cacheTTL = try Self.parseDuration(text, name: "CACHE_TTL")
        }
        if databaseURL.isEmpty, let url = environment["DATABASE_URL"] {
            databaseURL = url
        }
    }

    /// `on`, `off`, `true`, `false`, `1`, `0`, `yes`, `no`.
    public static func parseSwitch(_ text: String, name: String) throws(ShopConfigurationError) -> Bool {
        switch text.lowercased() {
        case "on", "true", "1", "yes": return true
        case "off", "false", "0", "no": return false
        default: throw ShopConfigurationError("\(name) must be on or off, not '\(text)'")
        }
    }

    /// A whole number of at least 1.
    public static func parseCount(_ text: String, name: String) throws(ShopConfigurationError) -> Int {
        guard let value = Int(text), value >= 1 else {
            throw ShopConfigurationError("\(name) must be a whole number of at least 1, not '\(text)'")
        }
        return value
    }

    /// `250ms`, `1s`, `0.5` (seconds); must be more than zero.
    public static func parseDuration(_ text: String, name: String) throws(ShopConfigurationError) -> Duration {
        guard let value = try? Duration(parsing: text), value > .zero else {
            throw ShopConfigurationError("\(name) must be a duration above zero such as 500ms or 1s, not '\(text)'")
        }
        return value
    }
}
