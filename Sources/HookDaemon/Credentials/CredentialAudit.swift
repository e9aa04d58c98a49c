import HookCore
import HookJSON

/// One JSON line per `credential.get`: who asked, for what, and how it was served — never the value.
///
/// `credential.get` is a hot path: recording only copies a few numbers and strings into the
/// log's queue; the line is formatted and written by the log's own thread.
struct CredentialAudit: Sendable {
    let file: JSONLinesFile

    func record(_ context: CallContext, key: WebhookKey, lookup: CredentialLookup?, error: RPCErrorSummary?) {
        let entry = Entry(time: SystemClock.wallSeconds(), peer: context.peer, key: key,
                          source: lookup?.credential.source, tier: lookup?.tier, hit: lookup?.cacheHit ?? false,
                          stale: lookup?.stale ?? false, errorKind: lookup == nil ? error?.kind : nil)
        file.append { entry.json }
    }

    private struct Entry: Sendable {
        var time: Double
        var peer: Peer
        var key: WebhookKey
        var source: CredentialSourceKind?
        var tier: CredentialLookup.Tier?
        var hit: Bool
        var stale: Bool
        var errorKind: String?

        var json: JSONValue {
            var line: JSONObject = [
                "time": .string(ISO8601.format(time, fractionalDigits: 3)),
                "event": "credential.get",
                "uid": .integer(Int64(peer.userID)), "gid": .integer(Int64(peer.groupID)), "pid": .integer(Int64(peer.processID)),
                "code": .string(key.code), "direction": .string(key.direction.rawValue),
            ]
            if let source {
                line["outcome"] = "ok"
                line["source"] = .string(source.rawValue)
                line["tier"] = tier.map { .string($0.rawValue) } ?? .null
                line["hit"] = .bool(hit)
                if stale { line["stale"] = true }
            } else {
                line["outcome"] = "error"
                line["error"] = errorKind.map(JSONValue.string) ?? .null
            }
            return .object(line)
        }
    }
}

/// The kind of error a call ended with, for the audit line (the message may name a ref; keep it out).
struct RPCErrorSummary: Sendable {
    var kind: String
}
