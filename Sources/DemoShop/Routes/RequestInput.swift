import Hummingbird

/// Reading request input, where anything malformed is a 400 with a message saying what is expected.
enum RequestInput {
    /// An optional whole-number query parameter within `range`; absent gives `fallback`.
    static func integer(_ name: String, in request: Request, range: ClosedRange<Int>, default fallback: Int?)
        throws -> Int?
    {
        guard let text = request.uri.queryParameters[Substring(name)] else { return fallback }
        guard let value = Int(text), range.contains(value) else {
            let upper = range.upperBound == Int.max ? "" : " and at most \(range.upperBound)"
            throw HTTPError(.badRequest, message: "\(name) must be a whole number of at least \(range.lowerBound)\(upper)")
        }
        return value
    }

    /// An optional text query parameter (at most 100 characters).
    static func text(_ name: String, in request: Request) throws -> String? {
        guard let text = request.uri.queryParameters[Substring(name)] else { return nil }
        guard !text.isEmpty, text.count <= 100 else {
            throw HTTPError(.badRequest, message: "\(name) must be between 1 and 100 characters")
        }
        return String(text)
    }

    /// The `{id}` path parameter: a whole number (one that names nothing is the caller's 404).
    static func id(_ context: some RequestContext, name: String = "id") throws -> Int {
        guard let text = context.parameters.get(name), let id = Int(text) else {
            throw HTTPError(.badRequest, message: "\(name) must be a whole number")
        }
        return id
    }
}
