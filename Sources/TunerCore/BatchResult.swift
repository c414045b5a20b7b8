import Foundation

/// What `tuner db batch` measured.
public struct BatchResult: Codable, Sendable {
    public var table: String
    public var upsert: Bool
    public var sizes: [Size]

    public init(table: String, upsert: Bool, sizes: [Size]) {
        self.table = table
        self.upsert = upsert
        self.sizes = sizes
    }

    public struct Size: Codable, Sendable {
        public var size: Int
        public var batches: Int
        public var rows: Int
        public var millisecondsPerBatchMedian: Double
        public var millisecondsPerBatchMean: Double
        public var rowsPerSecond: Double
        public var walBytesPerRow: Double

        public init(size: Int, milliseconds: [Double], walBytes: Double) {
            self.size = size
            batches = milliseconds.count
            rows = size * milliseconds.count
            let sorted = milliseconds.sorted()
            millisecondsPerBatchMedian = sorted.isEmpty ? 0 : sorted[sorted.count / 2]
            let total = milliseconds.reduce(0, +)
            millisecondsPerBatchMean = milliseconds.isEmpty ? 0 : total / Double(milliseconds.count)
            rowsPerSecond = total > 0 ? Double(rows) / (total / 1000) : 0
            walBytesPerRow = rows > 0 ? walBytes / Double(rows) : 0
        }

        /// `batches of 100: 50 × 1.23 ms (median), 81,000 rows/s, 140 WAL bytes per row`.
        public var line: String {
            "batches of \(size): \(batches) × \(String(format: "%.2f", millisecondsPerBatchMedian)) ms (median), "
                + "\(Int(rowsPerSecond.rounded())) rows/s, \(Int(walBytesPerRow.rounded())) WAL bytes per row"
        }
    }

    /// The smallest size whose rows/s is within 10% of the best: past it, bigger batches buy little.
    public var knee: Size? {
        guard let best = sizes.map(\.rowsPerSecond).max(), best > 0 else { return nil }
        return sizes.sorted { $0.size < $1.size }.first { $0.rowsPerSecond >= best * 0.9 }
    }
}
