/// Checks an inbound webhook's signature the way the provider's own receiver library does, in
/// one call for every scheme: `inbound.verify`'s core, pure and with the clock injected.
///
/// The checks run in this order, and the first that fails is the reason: a header the scheme
/// needs is absent (`missing_signature`); it cannot be read (`malformed_signature`); no presented
/// signature matches a key that counts (`bad_signature`); the signed timestamp is more than
/// `tolerance` seconds from `now`, in either direction (`timestamp_out_of_tolerance`). The
/// signature is checked before the timestamp so that a forged request is always `bad_signature`
/// and only a genuine but stale (or replayed-late) one is out of tolerance.
public enum SignatureVerifier {
    /// The tolerance Stripe, Slack and Standard Webhooks recommend: five minutes.
    public static let defaultTolerance: Double = 300

    /// Verifies one request.
    ///
    /// Comparisons run in constant time. A previous key counts only while `now` is before its
    /// expiry, and a match with it is reported as `signedWith: .previous`. Where a header is sent
    /// twice, the first one counts.
    /// - Parameters:
    ///   - generic: required for `.generic`, ignored otherwise.
    ///   - headers: the request's headers; names match case-insensitively.
    ///   - body: the body exactly as received.
    ///   - url: the full URL the sender requested (scheme, host, path, query); required for `.twilio`.
    ///   - params: the form parameters of a Twilio form POST; nil for a JSON body or none.
    ///   - now: unix seconds at which the request was received.
    ///   - tolerance: seconds the signed timestamp may differ from `now` either way.
    /// - Throws: `SignatureInputError` when the scheme needs an input that is missing (a caller's
    ///   mistake); a bad signature is a result, never an error.
    public static func verify(
        scheme: SignatureScheme, generic: GenericSignatureSettings? = nil, keys: SigningKeys, headers: [(name: String, value: String)],
        body: [UInt8], url: String? = nil, params: [(String, String)]? = nil, now: Double, tolerance: Double = defaultTolerance
    ) throws(SignatureInputError) -> SignatureVerification {
        let request = Request(headers: headers)
        let reading: Reading
        switch scheme {
        case .standardWebhooks: reading = standardWebhooks(request, body)
        case .stripe: reading = stripe(request, body)
        case .github: reading = gitHub(request, body)
        case .slack: reading = slack(request, body)
        case .shopify: reading = shopify(request, body)
        case .twilio:
            guard let url else { throw .urlRequired }
            reading = twilio(request, body, url: url, params: params ?? [])
        case .generic:
            guard let generic else { throw .genericSettingsRequired }
            reading = self.generic(request, body, settings: generic)
        }
        switch reading {
        case .success(let presented): return presented.verdict(keys: keys, now: now, tolerance: tolerance)
        case .failure(let refusal): return refusal.verification
        }
    }
}

extension SignatureVerifier {
    /// The request's headers, looked up case-insensitively; a header that is empty after
    /// trimming counts as absent.
    private struct Request {
        let headers: [(name: String, value: String)]

        func header(_ name: String) -> Substring? {
            guard let value = headers.first(where: { SignatureText.equalIgnoringCase($0.name, name) })?.value else { return nil }
            let trimmed = SignatureText.trimmed(value)
            return trimmed.isEmpty ? nil : trimmed
        }
    }

    /// What a request presents, read from its headers: the messages the sender may have signed
    /// (Twilio has two URL forms), the signatures offered, and the metadata reported back.
    private struct Presented {
        var algorithm: SignatureAlgorithm = .sha256
        var messages: [[UInt8]]
        var signatures: [[UInt8]]
        var timestamp: Int? = nil
        var eventID: String? = nil
        var eventIDContainsSignature = false
        /// False when a check beside the HMAC failed (Twilio's body hash): the request is then a bad signature.
        var contentIntact = true

        func verdict(keys: SigningKeys, now: Double, tolerance: Double) -> SignatureVerification {
            func refused(_ reason: VerificationFailure) -> SignatureVerification {
                .refused(reason, timestamp: timestamp, eventID: eventID, eventIDContainsSignature: eventIDContainsSignature)
            }
            guard let signedWith = match(keys: keys, now: now), contentIntact else { return refused(.badSignature) }
            if let timestamp, !(abs(now - Double(timestamp)) <= tolerance) { return refused(.timestampOutOfTolerance) }
            return .accepted(signedWith: signedWith, timestamp: timestamp, eventID: eventID, eventIDContainsSignature: eventIDContainsSignature)
        }

        /// Which key (current first) made one of the presented signatures over one of the messages.
        private func match(keys: SigningKeys, now: Double) -> SignedWith? {
            var candidates: [(SigningKey, SignedWith)] = [(keys.current, .current)]
            if let previous = keys.previousKey(at: now) { candidates.append((previous, .previous)) }
            for (key, role) in candidates {
                for message in messages {
                    let expected = algorithm.authenticationCode(for: message, key: key)
                    for signature in signatures where SignatureText.constantTimeEqual(expected, signature) { return role }
                }
            }
            return nil
        }
    }

    /// A request whose headers already decide the answer (missing or malformed), as the failure
    /// side of a parse, so each scheme's reader is a straight line of guards.
    private struct Refusal: Error {
        let verification: SignatureVerification
        init(_ reason: VerificationFailure, timestamp: Int? = nil, eventID: String? = nil) {
            verification = .refused(reason, timestamp: timestamp, eventID: eventID)
        }
    }

    private typealias Reading = Result<Presented, Refusal>

    private static func standardWebhooks(_ request: Request, _ body: [UInt8]) -> Reading {
        guard let id = request.header(SignatureHeader.webhookID), let timestampText = request.header(SignatureHeader.webhookTimestamp),
              let value = request.header(SignatureHeader.webhookSignature)
        else { return .failure(Refusal(.missingSignature, eventID: request.header(SignatureHeader.webhookID).map(String.init))) }
        let eventID = String(id)
        guard let timestamp = SignatureText.unixSeconds(timestampText) else { return .failure(Refusal(.malformedSignature, eventID: eventID)) }
        // Space-separated "version,signature" entries; entries of other versions (v1a) are skipped.
        let signatures = value.split(separator: " ").compactMap { entry -> [UInt8]? in
            guard entry.hasPrefix("v1,") else { return nil }
            return SignatureText.bytes(base64: entry.dropFirst(3)).flatMap { $0.count == 32 ? $0 : nil }
        }
        guard !signatures.isEmpty else { return .failure(Refusal(.malformedSignature, timestamp: timestamp, eventID: eventID)) }
        return .success(Presented(
            messages: [SignedContent.standardWebhooks(id: id, timestamp: timestampText, body: body)], signatures: signatures,
            timestamp: timestamp, eventID: eventID))
    }

    private static func stripe(_ request: Request, _ body: [UInt8]) -> Reading {
        guard let value = request.header(SignatureHeader.stripeSignature) else { return .failure(Refusal(.missingSignature)) }
        var timestampText: Substring? = nil
        var signatures: [[UInt8]] = []
        var wellFormedV1 = false
        for item in value.split(separator: ",") {
            let pair = SignatureText.trimmed(item).split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard pair.count == 2 else { continue }
            switch pair[0] {
            case "t" where timestampText == nil: timestampText = pair[1]
            // Only v1 is HMAC-SHA256 with the endpoint secret; v0 (test mode) and others are ignored, as Stripe's libraries do.
            case "v1":
                if let signature = SignatureText.bytes(hex: pair[1]), signature.count == 32 {
                    signatures.append(signature)
                    wellFormedV1 = true
                }
            default: continue
            }
        }
        guard let timestampText, let timestamp = SignatureText.unixSeconds(timestampText), wellFormedV1, let first = signatures.first else {
            return .failure(Refusal(.malformedSignature))
        }
        return .success(Presented(
            messages: [SignedContent.stripe(timestamp: timestampText, body: body)], signatures: signatures, timestamp: timestamp,
            eventID: "\(timestamp).\(SignatureText.hex(first))", eventIDContainsSignature: true))
    }

    private static func gitHub(_ request: Request, _ body: [UInt8]) -> Reading {
        let eventID = request.header(SignatureHeader.gitHubDelivery).map(String.init)
        guard let value = request.header(SignatureHeader.gitHubSignature) else { return .failure(Refusal(.missingSignature, eventID: eventID)) }
        guard value.hasPrefix("sha256="), let signature = SignatureText.bytes(hex: value.dropFirst(7)), signature.count == 32 else {
            return .failure(Refusal(.malformedSignature, eventID: eventID))
        }
        return .success(Presented(messages: [body], signatures: [signature], eventID: eventID))
    }

    private static func slack(_ request: Request, _ body: [UInt8]) -> Reading {
        guard let timestampText = request.header(SignatureHeader.slackTimestamp), let value = request.header(SignatureHeader.slackSignature) else {
            return .failure(Refusal(.missingSignature))
        }
        guard let timestamp = SignatureText.unixSeconds(timestampText) else { return .failure(Refusal(.malformedSignature)) }
        guard value.hasPrefix("v0="), let signature = SignatureText.bytes(hex: value.dropFirst(3)), signature.count == 32 else {
            return .failure(Refusal(.malformedSignature, timestamp: timestamp))
        }
        return .success(Presented(
            messages: [SignedContent.slack(timestamp: timestampText, body: body)], signatures: [signature], timestamp: timestamp,
            eventID: "\(timestamp).\(SignatureText.hex(signature))", eventIDContainsSignature: true))
    }

    private static func shopify(_ request: Request, _ body: [UInt8]) -> Reading {
        let eventID = request.header(SignatureHeader.shopifyWebhookID).map(String.init)
        guard let value = request.header(SignatureHeader.shopifySignature) else { return .failure(Refusal(.missingSignature, eventID: eventID)) }
        guard let signature = SignatureText.bytes(base64: value), signature.count == 32 else {
            return .failure(Refusal(.malformedSignature, eventID: eventID))
        }
        return .success(Presented(messages: [body], signatures: [signature], eventID: eventID))
    }

    private static func twilio(_ request: Request, _ body: [UInt8], url: String, params: [(String, String)]) -> Reading {
        let eventID = request.header(SignatureHeader.twilioIdempotencyToken).map(String.init)
        guard let value = request.header(SignatureHeader.twilioSignature) else { return .failure(Refusal(.missingSignature, eventID: eventID)) }
        guard let signature = SignatureText.bytes(base64: value), signature.count == 20 else {
            return .failure(Refusal(.malformedSignature, eventID: eventID))
        }
        // A JSON body: the URL carries the body's SHA-256 and the signature covers the URL.
        var contentIntact = true
        if let bodyHash = TwilioRequest.bodyHash(in: url) {
            guard let presentedHash = SignatureText.bytes(hex: bodyHash), presentedHash.count == 32 else {
                return .failure(Refusal(.malformedSignature, eventID: eventID))
            }
            contentIntact = SignatureText.constantTimeEqual(presentedHash, SignatureAlgorithm.sha256(body))
        }
        let messages = TwilioRequest.portVariants(of: url).map { SignedContent.twilio(url: $0, params: params) }
        return .success(Presented(algorithm: .sha1, messages: messages, signatures: [signature], eventID: eventID, contentIntact: contentIntact))
    }

    private static func generic(_ request: Request, _ body: [UInt8], settings: GenericSignatureSettings) -> Reading {
        let id = settings.idHeader.flatMap(request.header)
        let eventID = id.map(String.init)
        guard let value = request.header(settings.header) else { return .failure(Refusal(.missingSignature, eventID: eventID)) }
        var timestampText: Substring? = nil
        var timestamp: Int? = nil
        if let timestampHeader = settings.timestampHeader {
            guard let text = request.header(timestampHeader) else { return .failure(Refusal(.missingSignature, eventID: eventID)) }
            guard let seconds = SignatureText.unixSeconds(text) else { return .failure(Refusal(.malformedSignature, eventID: eventID)) }
            timestampText = text
            timestamp = seconds
        }
        if settings.signedContent.usesID && id == nil { return .failure(Refusal(.missingSignature, timestamp: timestamp)) }
        guard let signature = settings.presentedSignature(value) else {
            return .failure(Refusal(.malformedSignature, timestamp: timestamp, eventID: eventID))
        }
        return .success(Presented(
            algorithm: settings.algorithm, messages: [settings.signedContent.render(timestamp: timestampText, id: id, body: body)],
            signatures: [signature], timestamp: timestamp, eventID: eventID))
    }
}
