import Foundation

/// A product as listed.
struct ProductSummary: Codable, Sendable {
    var id: Int
    var tenant: Int
    var category: String
    var name: String
    var priceCents: Int
    var createdAt: Date
}

/// One page of `GET /products`; `next` is the link to the following page (absent on the last one).
struct ProductPage: Codable, Sendable {
    var items: [ProductSummary]
    var limit: Int
    var page: Int?
    var next: String?
}

/// `GET /products/{id}`.
struct ProductDetail: Codable, Sendable {
    var id: Int
    var tenant: Int
    var category: String
    var name: String
    var description: String
    var priceCents: Int
    var stock: Int
    var createdAt: Date
    var rating: Rating
    var recentReviews: [Review]

    struct Rating: Codable, Sendable {
        var average: Double?
        var count: Int
    }

    struct Review: Codable, Sendable {
        var rating: Int
        var body: String
        var createdAt: Date
    }
}

/// `GET /customers/{id}/orders`: the customer and their latest orders, each with its lines.
struct CustomerOrders: Codable, Sendable {
    var customer: Customer
    var orders: [Order]

    struct Customer: Codable, Sendable {
        var id: Int
        var name: String
        var email: String
    }
}

/// An order with its lines.
struct Order: Codable, Sendable {
    var id: Int
    var customer: Int
    var status: String
    var totalCents: Int
    var createdAt: Date
    var items: [Line]

    struct Line: Codable, Sendable {
        var product: Int
        var name: String
        var quantity: Int
        var unitPriceCents: Int
    }
}

/// A row of `GET /reports/top-products`.
struct TopProduct: Codable, Sendable {
    var id: Int
    var name: String
    var category: String
    var unitsSold: Int
    var revenueCents: Int
    var averageRating: Double?
}

/// `GET /reports/top-products`.
struct TopProductsReport: Codable, Sendable {
    var days: Int
    var products: [TopProduct]
}

/// `GET /health`.
struct Health: Codable, Sendable {
    var status: String
    var mode: String
    var practices: [String: Bool]
    var poolSize: Int
}
