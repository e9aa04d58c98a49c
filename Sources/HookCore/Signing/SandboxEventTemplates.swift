import HookJSON

/// Realistic sample events for the testing sandbox (`sandbox.trigger`): each provider's body
/// shape, content type and own headers, with fresh ids and the current time, unsigned. The caller
/// signs them as the provider does (`WebhookSigner`) with the webhook's IN secret.
public enum SandboxEventTemplates {
    /// One event, ready to sign and send.
    public struct Event: Sendable {
        public var scheme: SignatureScheme
        public var contentType: String
        public var body: [UInt8]
        /// The provider's own headers besides the signature (event type, delivery id, user agent).
        public var headers: [(name: String, value: String)]
        /// A form post's fields (Twilio), signed with the URL.
        public var params: [(String, String)]?
        /// The id the signature covers where the scheme signs one (Standard Webhooks `webhook-id`).
        public var messageID: String
        /// The event's own id, as the receiver would log it.
        public var eventID: String
    }

    /// Every provider and its events: `stripe trigger`-style names.
    public static let catalogue: [String: [String]] = [
        "stripe": ["payment_intent.succeeded", "charge.failed"],
        "github": ["push", "pull_request"],
        "slack": ["event_callback"],
        "shopify": ["orders/create"],
        "twilio": ["sms"],
        "standard_webhooks": ["generic"],
    ]

    /// The event, or nil when the provider or event is not in `catalogue`.
    /// - Parameter now: unix seconds, for the event's own timestamps.
    public static func event(provider: String, event name: String, now: Int) -> Event? {
        guard catalogue[provider]?.contains(name) == true else { return nil }
        let suffix = randomSuffix()
        switch provider {
        case "stripe":
            let object: JSONValue = name == "charge.failed"
                ? ["id": .string("ch_sandbox_\(suffix)"), "object": "charge", "amount": 2000, "currency": "usd", "status": "failed",
                   "failure_code": "card_declined", "failure_message": "Your card was declined.", "paid": false]
                : ["id": .string("pi_sandbox_\(suffix)"), "object": "payment_intent", "amount": 2000, "amount_received": 2000,
                   "currency": "usd", "status": "succeeded"]
            let eventID = "evt_sandbox_\(suffix)"
            let body: JSONValue = [
                "id": .string(eventID), "object": "event", "api_version": "2024-06-20", "created": .integer(Int64(now)),
                "data": ["object": object], "livemode": false, "pending_webhooks": 1,
                "request": ["id": .null, "idempotency_key": .null], "type": .string(name),
            ]
            return Event(scheme: .stripe, contentType: "application/json; charset=utf-8", body: body.encoded(),
                         headers: [("User-Agent", "Stripe/1.0 (+https://stripe.com/docs/webhooks)")], messageID: eventID, eventID: eventID)
        case "github":
            let delivery = uuid()
            let repository: JSONValue = ["id": 1296269, "full_name": "octocat/Hello-World", "private": false]
            let body: JSONValue = name == "push"
                ? ["ref": "refs/heads/main", "before": .string(String(repeating: "0", count: 40)), "after": .string(hexDigits(40)),
                   "repository": repository, "pusher": ["name": "octocat"],
                   "commits": [["id": .string(hexDigits(40)), "message": "Sandbox commit", "author": ["name": "octocat"]]]]
                : ["action": "opened", "number": 1347,
                   "pull_request": ["id": 1, "number": 1347, "state": "open", "title": "Sandbox pull request", "user": ["login": "octocat"]],
                   "repository": repository, "sender": ["login": "octocat"]]
            return Event(scheme: .github, contentType: "application/json", body: body.encoded(),
                         headers: [("User-Agent", "GitHub-Hookshot/sandbox"), ("X-GitHub-Event", name), ("X-GitHub-Delivery", delivery),
                                   ("X-GitHub-Hook-ID", "1")],
                         messageID: delivery, eventID: delivery)
        case "slack":
            let eventID = "Ev\(suffix.uppercased())"
            let body: JSONValue = [
                "token": "sandbox-verification-token", "team_id": "T0SANDBOX", "api_app_id": "A0SANDBOX", "type": "event_callback",
                "event": ["type": "app_mention", "user": "U0SANDBOX", "text": "<@U0APP> hello from the sandbox", "channel": "C0SANDBOX",
                          "ts": .string("\(now).000100")],
                "event_id": .string(eventID), "event_time": .integer(Int64(now)),
            ]
            return Event(scheme: .slack, contentType: "application/json", body: body.encoded(),
                         headers: [("User-Agent", "Slackbot 1.0 (+https://api.slack.com/robots)")], messageID: eventID, eventID: eventID)
        case "shopify":
            let webhookID = uuid()
            let body: JSONValue = [
                "id": .integer(Int64(now) * 1000), "email": "customer@example.test", "currency": "USD", "total_price": "19.99",
                "financial_status": "paid", "line_items": [["title": "Sandbox item", "quantity": 1, "price": "19.99"]],
            ]
            return Event(scheme: .shopify, contentType: "application/json", body: body.encoded(),
                         headers: [("X-Shopify-Topic", name), ("X-Shopify-Shop-Domain", "sandbox.myshopify.com"),
                                   ("X-Shopify-API-Version", "2024-07"), ("X-Shopify-Webhook-Id", webhookID), ("X-Shopify-Event-Id", uuid()),
                                   ("X-Shopify-Triggered-At", ISO8601.format(Double(now), fractionalDigits: 0))],
                         messageID: webhookID, eventID: webhookID)
        case "twilio":
            let sid = "SM\(hexDigits(32))"
            let params: [(String, String)] = [
                ("AccountSid", "AC\(hexDigits(32))"), ("ApiVersion", "2010-04-01"), ("Body", "Hello from the sandbox"), ("From", "+15005550006"),
                ("MessageSid", sid), ("NumMedia", "0"), ("SmsSid", sid), ("SmsStatus", "received"), ("To", "+15005550001"),
            ]
            return Event(scheme: .twilio, contentType: "application/x-www-form-urlencoded", body: FormEncoding.body(params),
                         headers: [("User-Agent", "TwilioProxy/1.1"), ("I-Twilio-Idempotency-Token", uuid())], params: params,
                         messageID: sid, eventID: sid)
        default:
            let messageID = "msg_sandbox_\(suffix)"
            let body: JSONValue = ["type": "generic.event", "timestamp": .string(ISO8601.format(Double(now), fractionalDigits: 0)),
                                   "data": ["id": .string("obj_\(suffix)"), "message": "Hello from the sandbox"]]
            return Event(scheme: .standardWebhooks, contentType: "application/json", body: body.encoded(), headers: [],
                         messageID: messageID, eventID: messageID)
        }
    }

    private static func randomSuffix() -> String { hexDigits(16) }

    private static func hexDigits(_ count: Int) -> String {
        SignatureText.hex((0..<(count + 1) / 2).map { _ in UInt8.random(in: 0...255) }).prefix(count).description
    }

    private static func uuid() -> String {
        let hex = hexDigits(32)
        let parts = [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { range in
            String(hex.dropFirst(range.lowerBound).prefix(range.count))
        }
        return parts.joined(separator: "-")
    }
}
