import Foundation
import Hummingbird

/// `GET /customers/{id}/orders` and `POST /orders`.
struct OrderRoutes: Sendable {
    let services: ShopServices
    var store: OrderStore { OrderStore(logger: services.logger, batched: services.practices.batchedLoading) }

    func register(on router: Router<some RequestContext>) {
        router.get("/customers/{id}/orders") { request, context in
            try await customerOrders(request, customer: RequestInput.id(context))
        }
        router.post("/orders") { request, _ in try await create(request) }
    }

    func customerOrders(_ request: Request, customer id: Int) async throws -> Response {
        let result = try await services.database.withConnection { connection in
            guard let customer = try await store.customer(id: id, on: connection) else {
                throw HTTPError(.notFound, message: "customer \(id) not found")
            }
            return CustomerOrders(customer: customer, orders: try await store.orders(ofCustomer: id, on: connection))
        }
        return try services.responder.json(result, for: request)
    }

    /// Checks the customer and products, writes the order in a transaction, audits it, and drops the
    /// cached reads it changed (the products' stock, every report).
    func create(_ request: Request) async throws -> Response {
        let newOrder = try await NewOrder.read(from: request)
        let quantities = newOrder.quantities
        let order = try await services.database.withConnection { connection in
            let order = try await services.database.inTransaction(on: connection) {
                guard try await store.customer(id: newOrder.customer, on: connection) != nil else {
                    throw HTTPError(.notFound, message: "customer \(newOrder.customer) not found")
                }
                let prices = try await store.prices(of: quantities.map(\.product), on: connection)
                if let missing = quantities.first(where: { prices[$0.product] == nil }) {
                    throw HTTPError(.notFound, message: "product \(missing.product) not found")
                }
                return try await store.create(customer: newOrder.customer, quantities: quantities, prices: prices,
                                              on: connection)
            }
            let detail = try String(decoding: JSONEncoder().encode(["items": order.items.count,
                                                                    "total_cents": order.totalCents]),
                                    as: UTF8.self)
            try await services.audit.record(
                AuditEntry(at: Date(), action: "order.created", entity: "order", entityID: order.id, detail: detail),
                on: connection)
            return order
        }
        let changed = Set(quantities.map(\.product))
        services.cache?.invalidate { key in
            switch key {
            case .product(let id): changed.contains(id)
            case .report: true
            case .productPage: false
            }
        }
        return try services.responder.json(order, status: .created, for: request)
    }
}
