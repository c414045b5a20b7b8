/// The deterministic content of the shop: every row is a pure function of its id, the scale and the
/// anchor day, so the same scale always gives the same data (timestamps count back from the anchor).
///
/// Orders and their lines are generated from the same per-order random stream, so `orders.total_cents`
/// always equals the sum of the order's lines although the two tables are loaded separately.
struct SeedData: Sendable {
    let scale: SeedScale
    /// Midnight UTC of the seeding day, in seconds since 1970: "now" for the generated history.
    let anchor: Int

    static let categories: [StaticString] = [
        "books", "garden", "kitchen", "toys", "music", "sports", "outdoor", "office", "beauty", "health",
        "games", "tools", "pets", "baby", "shoes", "jewelry", "grocery", "automotive", "electronics", "crafts",
    ]
    static let statuses: [StaticString] = ["delivered", "delivered", "delivered", "shipped", "pending", "cancelled"]
    static let firstNames: [StaticString] = [
        "Ada", "Alan", "Grace", "Linus", "Barbara", "Ken", "Margaret", "Dennis", "Frances", "Edsger",
        "Radia", "Donald", "Sophie", "John", "Karen", "Niklaus",
    ]
    static let lastNames: [StaticString] = [
        "Lovelace", "Turing", "Hopper", "Torvalds", "Liskov", "Thompson", "Hamilton", "Ritchie", "Allen",
        "Dijkstra", "Perlman", "Knuth", "Wilson", "Backus", "Jones", "Wirth",
    ]
    static let words: [StaticString] = [
        "sturdy", "light", "compact", "classic", "modern", "handmade", "durable", "soft", "bright", "quiet",
        "portable", "elegant", "simple", "rugged", "smooth", "fresh", "warm", "cool", "tiny", "large",
        "lamp", "kettle", "chair", "table", "blanket", "mug", "bottle", "notebook", "pen", "bag", "jacket",
        "speaker", "clock", "basket", "candle", "brush", "helmet", "glove", "puzzle", "rope", "with", "and",
        "for", "every", "day", "use", "made", "of", "recycled", "steel", "wood", "cotton", "glass", "wool",
        "that", "lasts", "years", "easy", "to", "clean", "great", "gift", "fits", "anywhere",
    ]

    init(scale: SeedScale, anchor: Int) {
        self.scale = scale
        self.anchor = anchor
    }

    /// Midnight UTC of the day `now` falls in.
    static func anchor(forNow secondsSinceEpoch: Int) -> Int { secondsSinceEpoch / 86_400 * 86_400 }

    // MARK: rows

    func writeCustomer(_ id: Int, to out: inout CopyTextBuffer) {
        var random = SplitMix64(table: 1, id: id)
        out.append(id)
        out.append(words: random.pick(Self.firstNames), random.pick(Self.lastNames))
        out.append("customer\(id)@example.com")
        out.append(timestamp: anchor - random.below(3 * 365 * 86_400))
        out.endRow()
    }

    func writeProduct(_ id: Int, to out: inout CopyTextBuffer) {
        var random = SplitMix64(table: 2, id: id)
        out.append(id)
        out.append(1 + random.below(scale.tenants))
        out.append(words: random.pick(Self.categories))
        out.append(randomWords: 3, from: Self.words, using: &random)
        out.append(randomWords: 30 + random.below(60), from: Self.words, using: &random)
        out.append(Self.priceCents(ofProduct: id))
        out.append(100 + random.below(5000))
        out.append(timestamp: anchor - random.below(2 * 365 * 86_400))
        out.endRow()
    }

    /// Writes the order row.
    func writeOrder(_ id: Int, to out: inout CopyTextBuffer) {
        var random = SplitMix64(table: 3, id: id)
        let customer = random.skewed(upTo: scale.customers)
        let status = random.pick(Self.statuses)
        let createdAt = anchor - random.below(365 * 86_400)
        var total = 0
        forEachLine(ofOrder: &random) { product, quantity in total += quantity * Self.priceCents(ofProduct: product) }
        out.append(id)
        out.append(customer)
        out.append(words: status)
        out.append(total)
        out.append(timestamp: createdAt)
        out.endRow()
    }

    /// Writes the order's lines, numbering them from `nextLineID`; returns how many it wrote.
    func writeOrderItems(ofOrder id: Int, firstLineID: Int, to out: inout CopyTextBuffer) -> Int {
        var random = SplitMix64(table: 3, id: id)
        _ = random.skewed(upTo: scale.customers)
        _ = random.pick(Self.statuses)
        _ = random.below(365 * 86_400)
        var written = 0
        forEachLine(ofOrder: &random) { product, quantity in
            out.append(firstLineID + written)
            out.append(id)
            out.append(product)
            out.append(quantity)
            out.append(Self.priceCents(ofProduct: product))
            out.endRow()
            written += 1
        }
        return written
    }

    func writeReview(_ id: Int, to out: inout CopyTextBuffer) {
        var random = SplitMix64(table: 4, id: id)
        out.append(id)
        out.append(random.skewed(upTo: scale.products))
        out.append(1 + random.below(scale.customers))
        out.append(max(1, 5 - random.below(5) * random.below(2)))
        out.append(randomWords: 8 + random.below(22), from: Self.words, using: &random)
        out.append(timestamp: anchor - random.below(365 * 86_400))
        out.endRow()
    }

    /// 1 to 9 lines of distinct, mostly popular products with quantities 1 to 4.
    private func forEachLine(ofOrder random: inout SplitMix64, _ body: (Int, Int) -> Void) {
        let count = 1 + random.below(9)
        var seen: [Int] = []
        for _ in 0..<count {
            let product = random.skewed(upTo: scale.products)
            let quantity = 1 + random.below(4)
            if seen.contains(product) { continue }
            seen.append(product)
            body(product, quantity)
        }
    }

    /// A product's price: fixed by its id, so order lines can be priced without reading products.
    static func priceCents(ofProduct id: Int) -> Int {
        var random = SplitMix64(table: 5, id: id)
        return 199 + random.below(20_000)
    }
}

/// A small, fast, seedable random number generator (Steele, Lea & Flood's SplitMix64).
struct SplitMix64 {
    private var state: UInt64

    init(table: UInt64, id: Int) {
        state = table &* 0x9E37_79B9_7F4A_7C15 ^ UInt64(truncatingIfNeeded: id) &* 0xBF58_476D_1CE4_E5B9
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// 0 ..< bound.
    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }

    /// A uniform value in [0, 1).
    mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }

    /// 1 ... count, low values much more likely (a few customers order a lot, a few products sell a lot).
    mutating func skewed(upTo count: Int) -> Int {
        let u = unit()
        return min(count, 1 + Int(Double(count) * u * u * u.squareRoot()))
    }

    mutating func pick<T>(_ values: [T]) -> T { values[below(values.count)] }

}
