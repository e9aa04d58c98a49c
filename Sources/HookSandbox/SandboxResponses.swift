import HookJSON
import Hummingbird
import NIOCore

/// Builds the sandbox's JSON, HTML and error responses in one place.
enum SandboxResponses {
    /// A JSON response.
    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json", .cacheControl: "no-store"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: value.compactText)))
    }

    /// `{"error": {"message": …, "field": …}}` with the status.
    static func error(_ status: HTTPResponse.Status, _ message: String, field: String? = nil) -> Response {
        var error: JSONObject = ["message": .string(message)]
        if let field { error["field"] = .string(field) }
        return json(["error": .object(error)], status: status)
    }

    /// An HTML page.
    static func html(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}
