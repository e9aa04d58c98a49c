/// Signs an outbound webhook the way its provider does, so that a receiver written for that
/// provider (or for Standard Webhooks) accepts what hookd sends. Pure: the caller gives the
/// message id, the timestamp and the exact body bytes it will send.
///
/// During a rotation (a previous key that has not expired at `timestamp`) the schemes whose
/// header carries a list sign with both keys, current first: Standard Webhooks (space-separated
/// `v1,…` entries) and Stripe (repeated `v1=`). GitHub, Slack, Shopify, Twilio and generic carry
/// one signature, so they sign with the current key only.
public enum WebhookSigner {
    /// The headers that carry the signature, in the order the provider sends them:
    /// - standard_webhooks: `webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<b64>[ v1,<b64>]`
    /// - stripe: `Stripe-Signature: t=<ts>,v1=<hex>[,v1=<hex>]`
    /// - github: `X-Hub-Signature-256: sha256=<hex>`
    /// - slack: `X-Slack-Request-Timestamp`, `X-Slack-Signature: v0=<hex>` of `v0:{ts}:{body}`
    /// - shopify: `X-Shopify-Hmac-Sha256: <b64>`
    /// - twilio: `X-Twilio-Signature: <b64 HMAC-SHA1 of url + sorted params>`; for a JSON body pass
    ///   `TwilioRequest.signedURL(url, jsonBody: body)` as `url` (and send to it) with `params` nil
    /// - generic: its id header, timestamp header (when configured) and signature header
    /// - Parameters:
    ///   - generic: required for `.generic`, ignored otherwise.
    ///   - messageID: the delivery's id (`webhook-id`, the generic `{id}`); stable across retries.
    ///   - timestamp: unix seconds of this attempt; also the clock for the previous key's expiry.
    ///   - url: the request URL, required for `.twilio`.
    ///   - params: the form parameters Twilio signs; nil or empty for none.
    /// - Throws: `SignatureInputError` when the scheme needs an input that is missing.
    public static func headers(
        scheme: SignatureScheme, generic: GenericSignatureSettings? = nil, keys: SigningKeys, messageID: String, timestamp: Int,
        body: [UInt8], url: String? = nil, params: [(String, String)]? = nil
    ) throws(SignatureInputError) -> [(name: String, value: String)] {
        let timestampText = String(timestamp)
        var signingKeys = [keys.current]
        if let previous = keys.previousKey(at: Double(timestamp)) { signingKeys.append(previous) }
        func mac(_ message: [UInt8], _ key: SigningKey = keys.current, _ algorithm: SignatureAlgorithm = .sha256) -> [UInt8] {
            algorithm.authenticationCode(for: message, key: key)
        }
        switch scheme {
        case .standardWebhooks:
            let message = SignedContent.standardWebhooks(id: messageID, timestamp: timestampText, body: body)
            let signatures = signingKeys.map { "v1," + SignatureText.base64(mac(message, $0)) }
            return [
                (SignatureHeader.webhookID, messageID), (SignatureHeader.webhookTimestamp, timestampText),
                (SignatureHeader.webhookSignature, signatures.joined(separator: " ")),
            ]
        case .stripe:
            let message = SignedContent.stripe(timestamp: timestampText, body: body)
            let signatures = signingKeys.map { "v1=" + SignatureText.hex(mac(message, $0)) }
            return [(SignatureHeader.stripeSignature, (["t=" + timestampText] + signatures).joined(separator: ","))]
        case .github:
            return [(SignatureHeader.gitHubSignature, "sha256=" + SignatureText.hex(mac(body)))]
        case .slack:
            let message = SignedContent.slack(timestamp: timestampText, body: body)
            return [(SignatureHeader.slackTimestamp, timestampText), (SignatureHeader.slackSignature, "v0=" + SignatureText.hex(mac(message)))]
        case .shopify:
            return [(SignatureHeader.shopifySignature, SignatureText.base64(mac(body)))]
        case .twilio:
            guard let url else { throw .urlRequired }
            let message = SignedContent.twilio(url: url, params: params ?? [])
            return [(SignatureHeader.twilioSignature, SignatureText.base64(mac(message, keys.current, .sha1)))]
        case .generic:
            guard let generic else { throw .genericSettingsRequired }
            let message = generic.signedContent.render(timestamp: Substring(timestampText), id: Substring(messageID), body: body)
            var headers: [(name: String, value: String)] = []
            if let idHeader = generic.idHeader { headers.append((idHeader, messageID)) }
            if let timestampHeader = generic.timestampHeader { headers.append((timestampHeader, timestampText)) }
            headers.append((generic.header, generic.headerValue(mac(message, keys.current, generic.algorithm))))
            return headers
        }
    }
}
