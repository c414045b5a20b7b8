import CompressNIO
import Foundation
import Hummingbird

/// Encodes response bodies and, when the compression practice is on, gzips those over 1 KB for clients
/// that accept it.
struct JSONResponder: Sendable {
    let compresses: Bool
    /// Bodies at or below this size are sent as they are: gzip would cost more than it saves.
    static let compressionThreshold = 1024

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }()

    /// The JSON bytes of `value`.
    func encode(_ value: some Encodable) throws -> ByteBuffer {
        ByteBuffer(data: try Self.encoder.encode(value))
    }

    /// A JSON response.
    func json(_ value: some Encodable, status: HTTPResponse.Status = .ok, for request: Request) throws -> Response {
        try respond(body: encode(value), contentType: "application/json; charset=utf-8", status: status,
                    for: request)
    }

    /// A response with an already encoded body (gzipped here if the practice, the client and the size allow).
    func respond(body: ByteBuffer, contentType: String, status: HTTPResponse.Status = .ok, for request: Request)
        throws -> Response
    {
        var headers: HTTPFields = [.contentType: contentType]
        var body = body
        if compresses {
            headers[.vary] = "Accept-Encoding"
            if body.readableBytes > Self.compressionThreshold, Self.acceptsGzip(request.headers[.acceptEncoding]) {
                body = try body.compress(with: .gzip())
                headers[.contentEncoding] = "gzip"
            }
        }
        return Response(status: status, headers: headers, body: .init(byteBuffer: body))
    }

    /// True when an `Accept-Encoding` value allows gzip (`gzip`, `x-gzip` or `*`, unless `q=0`).
    static func acceptsGzip(_ header: String?) -> Bool {
        guard let header else { return false }
        for part in header.split(separator: ",") {
            let fields = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            guard let coding = fields.first, ["gzip", "x-gzip", "*"].contains(coding) else { continue }
            let quality = fields.dropFirst().first { $0.hasPrefix("q=") }.flatMap { Double($0.dropFirst(2)) } ?? 1
            if quality > 0 { return true }
        }
        return false
    }
}
