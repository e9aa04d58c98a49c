/// The header names each provider's signature travels in: one list for the signer that writes
/// them and the verifier that reads them (the verifier matches them case-insensitively).
public enum SignatureHeader {
    /// Standard Webhooks: the message id, also the replay-protection id.
    public static let webhookID = "webhook-id"
    /// Standard Webhooks: unix seconds.
    public static let webhookTimestamp = "webhook-timestamp"
    /// Standard Webhooks: space-separated `v1,<base64>` entries.
    public static let webhookSignature = "webhook-signature"
    /// Stripe: `t=<unix seconds>,v1=<hex>[,v1=<hex>…]`.
    public static let stripeSignature = "Stripe-Signature"
    /// GitHub: `sha256=<hex>`.
    public static let gitHubSignature = "X-Hub-Signature-256"
    /// GitHub: the delivery's GUID.
    public static let gitHubDelivery = "X-GitHub-Delivery"
    /// Slack: unix seconds.
    public static let slackTimestamp = "X-Slack-Request-Timestamp"
    /// Slack: `v0=<hex>`.
    public static let slackSignature = "X-Slack-Signature"
    /// Shopify: base64.
    public static let shopifySignature = "X-Shopify-Hmac-Sha256"
    /// Shopify: the webhook's unique id.
    public static let shopifyWebhookID = "X-Shopify-Webhook-Id"
    /// Twilio: base64 HMAC-SHA1.
    public static let twilioSignature = "X-Twilio-Signature"
    /// Twilio: an idempotency token on some callbacks.
    public static let twilioIdempotencyToken = "I-Twilio-Idempotency-Token"

    /// The headers `WebhookSigner` writes for a scheme (generic's come from its settings: none here),
    /// which a re-signed request must not carry twice.
    public static func written(by scheme: SignatureScheme) -> [String] {
        switch scheme {
        case .standardWebhooks: [webhookID, webhookTimestamp, webhookSignature]
        case .stripe: [stripeSignature]
        case .github: [gitHubSignature]
        case .slack: [slackTimestamp, slackSignature]
        case .shopify: [shopifySignature]
        case .twilio: [twilioSignature]
        case .generic: []
        }
    }
}
