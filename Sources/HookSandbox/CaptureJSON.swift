#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import HookCore
import HookJSON
import HookStore

/// The API's JSON shape of a capture (`/api/captures`, `/api/events`): headers raw, the body
/// as base64 so any bytes survive.
enum CaptureJSON {
    static func encode(_ capture: CaptureStore.Capture) -> JSONValue {
        let request = capture.request
        var object: JSONObject = [
            "id": .integer(capture.id),
            "endpoint": .string(request.endpoint),
            "method": .string(request.method),
            "path": .string(request.path),
            "query": .string(request.query),
            "headers": .object(CaptureStore.headerObject(request.headers)),
            "body_base64": .string(Data(request.body).base64EncodedString()),
            "received_at": .string(ISO8601.format(request.receivedAt, fractionalDigits: 3)),
            "peer": .string(request.peer),
            "outcome": .string(request.outcome.rawValue),
            "status": request.status.map { .integer(Int64($0)) } ?? .null,
            "latency_ms": .integer(Int64(request.latencyMilliseconds)),
        ]
        if let stored = request.signature {
            let signature = CaptureVerdict(stored: stored)
            object["signature"] = [
                "valid": .bool(signature.valid), "reason": signature.reason.map(JSONValue.string) ?? .null,
                "checked_by": .string(signature.checkedBy.rawValue),
            ]
        }
        return .object(object)
    }
}
