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
        file.appendEncoded { output in entry.encode(into: &output) }
    }

    /// One line when `webhook.upsert` creates a webhook or changes where it sends (`url`) or which
    /// credential it uses: who did it (uid, gid, pid) and which fields changed; no value.
    func recordChange(_ context: CallContext, to webhook: Webhook, from previous: Webhook?) {
        var changed: [String] = []
        if previous?.url != webhook.url { changed.append("url") }
        if previous?.credentialSource != webhook.credentialSource || previous?.credentialReference != webhook.credentialReference
            || previous?.authType != webhook.authType {
            changed.append("credential")
        }
        guard previous == nil || !changed.isEmpty else { return }
        let line: JSONValue = [
            "time": .string(ISO8601.format(SystemClock.wallSeconds(), fractionalDigits: 3)),
            "event": "webhook.upsert",
            "uid": .integer(Int64(context.peer.userID)), "gid": .integer(Int64(context.peer.groupID)),
            "pid": .integer(Int64(context.peer.processID)),
            "code": .string(webhook.key.code), "direction": .string(webhook.key.direction.rawValue),
            "created": .bool(previous == nil),
            "changed": .array(changed.map(JSONValue.string)),
            "credential_source": .string(webhook.credentialSource.rawValue),
        ]
        file.appendEncoded { output in line.encode(into: &output) }
    }

    /// One line per webhook a migration moved or rolled back: who asked (uid, gid, pid) and what
    /// happened; never a value.
    func recordMigration(_ peer: Peer, event: String, key: WebhookKey, fields: JSONObject) {
        var line: JSONObject = [
            "time": .string(ISO8601.format(SystemClock.wallSeconds(), fractionalDigits: 3)), "event": .string(event),
            "uid": .integer(Int64(peer.userID)), "gid": .integer(Int64(peer.groupID)), "pid": .integer(Int64(peer.processID)),
            "code": .string(key.code), "direction": .string(key.direction.rawValue),
        ]
        for member in fields { line[member.key] = member.value }
        let value = JSONValue.object(line)
        file.appendEncoded { output in value.encode(into: &output) }
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

        /// The line, written straight into the log's buffer (no JSON tree on this busy path).
        func encode(into output: inout JSONBytesWriter) {
            func field(_ name: StaticString, _ value: JSONValue) {
                output.append(name)
                value.encode(into: &output)
            }
            output.append(#"{"time":""#)
            ISO8601.append(time, fractionalDigits: 3, to: &output)
            output.append(UInt8(ascii: "\""))
            field(#","event":"#, "credential.get")
            field(#","uid":"#, .integer(Int64(peer.userID)))
            field(#","gid":"#, .integer(Int64(peer.groupID)))
            field(#","pid":"#, .integer(Int64(peer.processID)))
            field(#","code":"#, .string(key.code))
            field(#","direction":"#, .string(key.direction.rawValue))
            if let source {
                field(#","outcome":"#, "ok")
                field(#","source":"#, .string(source.rawValue))
                field(#","tier":"#, tier.map { .string($0.rawValue) } ?? .null)
                field(#","hit":"#, .bool(hit))
                if stale { field(#","stale":"#, true) }
            } else {
                field(#","outcome":"#, "error")
                field(#","error":"#, errorKind.map(JSONValue.string) ?? .null)
            }
            output.append(UInt8(ascii: "}"))
        }
    }
}

/// The kind of error a call ended with, for the audit line (the message may name a ref; keep it out).
struct RPCErrorSummary: Sendable {
    var kind: String
}
