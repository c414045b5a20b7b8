import Foundation
import Hummingbird

/// `GET /products` and `GET /products/{id}`.
struct ProductRoutes: Sendable {
    let services: ShopServices
    var store: ProductStore { ProductStore(logger: services.logger) }

    static let defaultPageSize = 20

    func register(on router: Router<some RequestContext>) {
        router.get("/products") { request, _ in try await list(request) }
        router.get("/products/{id}") { request, context in try await detail(request, id: RequestInput.id(context)) }
    }

    /// Naive: `?page=N` by OFFSET, any `limit`. Keyset practice: `limit` capped, `next` is an `after=` cursor
    /// link and `?after=` seeks by key; a bare `?page=N` is still served (by OFFSET) for old clients.
    func list(_ request: Request) async throws -> Response {
        let keyset = services.practices.keysetPagination
        let filter = ProductFilter(tenant: try RequestInput.integer("tenant", in: request, range: 1...Int.max, default: nil),
                                   category: try RequestInput.text("category", in: request))
        var limit = try RequestInput.integer("limit", in: request, range: 1...Int.max, default: Self.defaultPageSize)!
        if keyset { limit = min(limit, services.configuration.maximumPageSize) }
        let page = try RequestInput.integer("page", in: request, range: 1...1_000_000_000, default: 1)!
        let (offset, overflow) = (page - 1).multipliedReportingOverflow(by: limit)
        guard !overflow else { throw HTTPError(.badRequest, message: "page × limit is too large") }
        var position = PagePosition.offset(offset)
        if keyset, let text = try RequestInput.text("after", in: request) {
            guard let cursor = PagePosition.Cursor(text) else {
                throw HTTPError(.badRequest, message: "after must be the cursor of a previous page's next link")
            }
            position = .after(cursor)
        }
        let key = CacheKey.productPage("\(filter.tenant ?? 0)|\(filter.category ?? "")|\(position)|\(limit)")
        let body = try await services.cached(key) {
            let rows = try await services.database.withConnection { connection in
                try await store.page(filter: filter, position: position, limit: limit, on: connection)
            }
            var result = ProductPage(items: rows.map(\.0), limit: limit)
            if case .offset = position { result.page = page }
            if rows.count == limit, let last = rows.last {
                result.next = nextLink(filter: filter, limit: limit,
                                       position: keyset ? "after=\(last.1.text)" : "page=\(page + 1)")
            }
            return try services.responder.encode(result)
        }
        return try services.json(body, for: request)
    }

    func detail(_ request: Request, id: Int) async throws -> Response {
        let body = try await services.cached(.product(id)) {
            let product = try await services.database.withConnection { connection in
                try await store.detail(id: id, on: connection)
            }
            guard let product else { throw HTTPError(.notFound, message: "product \(id) not found") }
            return try services.responder.encode(product)
        }
        return try services.json(body, for: request)
    }

    private func nextLink(filter: ProductFilter, limit: Int, position: String) -> String {
        var query = [position, "limit=\(limit)"]
        if let tenant = filter.tenant { query.append("tenant=\(tenant)") }
        if let category = filter.category {
            query.append("category=\(category.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")")
        }
        return "/products?" + query.joined(separator: "&")
    }
}
