import HookCore
import HookJSON

/// One JSON line per `credential.get`: who asked, for what, and how it was served — never the value.
struct CredentialAudit: Sendable {
    let file: JSONLinesFile

    func record(_ context: CallContext, key: WebhookKey, lookup: CredentialLookup?, error: RPCErrorSummary?) {
        var line: JSONObject = [
            "time": .string(ISO8601.format(SystemClock.wallSeconds(), fractionalDigits: 3)),
            "event": "credential.get",
            "uid": .integer(Int64(context.peer.userID)), "gid": .integer(Int64(context.peer.groupID)),
            "pid": .integer(Int64(context.peer.processID)),
            "code": .string(key.code), "direction": .string(key.direction.rawValue),
        ]
        if let lookup {
            line["outcome"] = "ok"
            line["source"] = .string(lookup.credential.source.rawValue)
            line["tier"] = lookup.tier.map { .string($0.rawValue) } ?? .null
            line["hit"] = .bool(lookup.cacheHit)
            if lookup.stale { line["stale"] = true }
        } else if let error {
            line["outcome"] = "error"
            line["error"] = .string(error.kind)
        }
        file.append(.object(line))
    }
}

/// The kind of error a call ended with, for the audit line (the message may name a ref; keep it out).
struct RPCErrorSummary: Sendable {
    var kind: String
}
