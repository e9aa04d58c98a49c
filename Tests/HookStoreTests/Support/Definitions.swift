import HookCore
import HookJSON

/// A checked definition, built the way `webhook.upsert` builds one: from JSON.
/// `extra` members replace the defaults (an HTTPS bearer webhook from Infisical).
func definition(_ code: String, _ direction: String = "OUT", _ extra: JSONObject = [:]) throws -> WebhookDefinition {
    var object: JSONObject = [
        "code": .string(code), "direction": .string(direction), "url": "https://example.test/hooks", "auth_type": "bearer",
    ]
    for member in extra { object[member.key] = member.value }
    return try WebhookDefinition(json: object)
}

/// A definition whose credential lives in the registry, optionally with its legacy value.
func databaseDefinition(_ code: String, value: String?, _ direction: String = "OUT") throws -> WebhookDefinition {
    var credential: JSONObject = ["source": "database"]
    if let value { credential["value"] = .string(value) }
    return try definition(code, direction, ["credential": .object(credential)])
}

func key(_ code: String, _ direction: WebhookDirection = .outbound) throws -> WebhookKey {
    try WebhookKey(code: code, direction: direction)
}

let t1 = "2025-01-01T00:00:00Z"
let t2 = "2025-01-02T00:00:00Z"
let t3 = "2025-01-03T00:00:00Z"
