import Foundation
import HookTestSupport
import HookHTTP
import HookJSON

/// Blocking JSON-over-HTTP calls to a local test server's control endpoints.
enum HTTPControl {
    @discardableResult
    static func call(_ method: String, _ url: String, _ body: JSONValue? = nil) throws -> JSONValue {
        try call(method, url, bytes: body?.encoded() ?? [])
    }

    /// `bytes` sent as they are: for bodies a JSON value cannot spell (`1e19` verbatim).
    @discardableResult
    static func call(_ method: String, _ url: String, bytes: [UInt8]) throws -> JSONValue {
        let transfer = try CurlEasyTransfer()
        let response = try transfer.perform(HTTPRequest(
            method: method, url: url, headers: [("Content-Type", "application/json")], body: bytes, timeoutSeconds: 10))
        guard (200..<300).contains(response.statusCode) else {
            throw DaemonFailure(message: "\(method) \(url): HTTP \(response.statusCode) \(String(decoding: response.body, as: UTF8.self))")
        }
        return response.body.isEmpty ? .null : try JSONValue.parse(response.body)
    }
}
