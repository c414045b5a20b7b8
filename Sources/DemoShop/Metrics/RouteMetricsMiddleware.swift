import Hummingbird

/// Records every request's count and latency under its route pattern (`/products/{id}`, not the id).
struct RouteMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: ShopMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        let started = ContinuousClock.now
        do {
            let response = try await next(request, context)
            metrics.record(route: Self.route(of: context), method: request.method.rawValue,
                           status: response.status.code, duration: .now - started)
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status.code ?? 500
            metrics.record(route: Self.route(of: context), method: request.method.rawValue, status: status,
                           duration: .now - started)
            throw error
        }
    }

    /// The matched route, or `unmatched` for paths no route serves (so scanners cannot grow the label set).
    static func route(of context: Context) -> String {
        guard let path = context.endpointPath, path != "NotFound" else { return "unmatched" }
        return path
    }
}
