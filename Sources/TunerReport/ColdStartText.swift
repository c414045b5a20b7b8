import Foundation
import TunerCore

/// `tuner coldstart`'s table and its comparison sentence.
public enum ColdStartText {
    public static func render(_ result: ColdStartResult) -> String {
        let width = max(result.variants.map(\.name.count).max() ?? 7, 7)
        var out = "cold start of \(result.target) (medians of \(result.variants.first?.starts.count ?? 0) starts)\n\n"
        out += "setting".padding(toLength: width, withPad: " ", startingAt: 0)
            + "   ready in   first request   then (median of \(max(result.requestsPerStart - 1, 0)))\n"
        for variant in result.variants {
            out += variant.name.padding(toLength: width, withPad: " ", startingAt: 0)
            if let failure = variant.failure, variant.starts.isEmpty {
                out += "   failed: \(failure)\n"
                continue
            }
            out += pad(variant.readyMilliseconds.map(NumberFormat.millis) ?? "–", 11)
                + pad(variant.firstRequestMilliseconds.map(NumberFormat.millis) ?? "–", 16)
                + pad(variant.laterRequestsMilliseconds.map(NumberFormat.millis) ?? "–", 14) + "\n"
            if let failure = variant.failure { out += "  (a later start failed: \(failure))\n" }
        }
        if let comparison = result.comparison { out += "\n\(comparison)\n" }
        return out
    }

    private static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? " " + text : String(repeating: " ", count: width - text.count) + text
    }
}
