import Foundation
import Hummingbird

/// The body of `POST /orders`: `{"customer": 1, "items": [[7, 2], [12, 1]]}` (product, quantity pairs),
/// or with items as objects: `{"product": 7, "quantity": 2}`.
struct NewOrder: Decodable, Sendable {
    var customer: Int
    var items: [Item]

    struct Item: Decodable, Sendable {
        var product: Int
        var quantity: Int

        private enum Keys: String, CodingKey { case product, quantity }

        init(from decoder: any Decoder) throws {
            if var pair = try? decoder.unkeyedContainer() {
                product = try pair.decode(Int.self)
                quantity = try pair.decode(Int.self)
                guard pair.isAtEnd else {
                    throw DecodingError.dataCorruptedError(in: pair, debugDescription: "expected [product, quantity]")
                }
            } else {
                let object = try decoder.container(keyedBy: Keys.self)
                product = try object.decode(Int.self, forKey: .product)
                quantity = try object.decode(Int.self, forKey: .quantity)
            }
        }
    }

    static let maximumLines = 100
    static let maximumQuantity = 1000
    static let maximumBodySize = 64 * 1024

    /// Reads and checks the request body; anything wrong is a 400 whose message says what.
    static func read(from request: Request) async throws -> NewOrder {
        var request = request
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: maximumBodySize)
        } catch {
            throw HTTPError(.contentTooLarge, message: "the order must be at most \(maximumBodySize) bytes")
        }
        let order: NewOrder
        do {
            order = try JSONDecoder().decode(NewOrder.self, from: Data(buffer: body))
        } catch let error as DecodingError {
            throw HTTPError(.badRequest, message: "malformed order: \(describe(error)); expected "
                            + #"{"customer": 1, "items": [[product, quantity], …]}"#)
        }
        guard !order.items.isEmpty, order.items.count <= maximumLines else {
            throw HTTPError(.badRequest, message: "an order has 1 to \(maximumLines) items")
        }
        for item in order.items where !(1...maximumQuantity).contains(item.quantity) {
            throw HTTPError(.badRequest, message: "quantity must be 1 to \(maximumQuantity), not \(item.quantity)")
        }
        return order
    }

    /// Quantities per product (repeated products added up), in product order: writes lock rows in one
    /// order, so concurrent orders cannot deadlock.
    var quantities: [(product: Int, quantity: Int)] {
        var byProduct: [Int: Int] = [:]
        for item in items { byProduct[item.product, default: 0] += item.quantity }
        return byProduct.sorted { $0.key < $1.key }.map { (product: $0.key, quantity: $0.value) }
    }

    private static func describe(_ error: DecodingError) -> String {
        switch error {
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty ? "not valid JSON" : "\(path(context.codingPath)): \(context.debugDescription)"
        case .keyNotFound(let key, let context):
            return "missing \(path(context.codingPath + [key]))"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return "\(path(context.codingPath)) has the wrong type"
        @unknown default:
            return "\(error)"
        }
    }

    private static func path(_ keys: [any CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().trimmingPrefix(".").description
    }
}
