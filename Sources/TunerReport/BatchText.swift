import Foundation
import TunerCore

/// `tuner db batch`'s table and recommendation, in the words of the tuning guide it fills.
public enum BatchText {
    public static func render(_ result: BatchResult) -> String {
        let verb = result.upsert ? "UPSERT" : "INSERT"
        var out = "batch \(verb) into \(result.table) (a copy, rolled back)\n\n"
        out += "  size   batches      rows   ms/batch (median)      rows/s   WAL bytes/row\n"
        for size in result.sizes {
            out += pad(NumberFormat.count(UInt64(size.size)), 6) + pad(String(size.batches), 10) + pad(NumberFormat.count(UInt64(size.rows)), 10)
                + pad(String(format: "%.2f", size.millisecondsPerBatchMedian), 20)
                + pad(NumberFormat.count(UInt64(size.rowsPerSecond.rounded())), 12)
                + pad(NumberFormat.count(UInt64(size.walBytesPerRow.rounded())), 16) + "\n"
        }
        if let knee = result.knee {
            out += "\nknee: \(knee.size) rows per batch (the smallest size within 10% of the best rows/s)\n"
            out += "Batch \(verb) time: \(String(format: "%.2f", knee.millisecondsPerBatchMedian)) ms for \(knee.size) rows · "
                + "Throughput: \(NumberFormat.count(UInt64(knee.rowsPerSecond.rounded()))) rows/sec · maxBatchSize = \(knee.size)\n"
        }
        return out
    }

    private static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? " " + text : String(repeating: " ", count: width - text.count) + text
    }
}
