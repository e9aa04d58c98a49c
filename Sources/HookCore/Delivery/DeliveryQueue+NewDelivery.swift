// A value type of the `DeliveryQueue` API (files in this folder are split between helpers by
// prefix; this one belongs with the queue).

/// A delivery a caller hands over (`webhook.deliver`), before the queue gives it an id.
public struct NewDelivery: Sendable, Equatable {
    /// The webhook's code.
    public var code: String
    /// The webhook's direction; deliveries go `OUT`.
    public var direction: WebhookDirection
    /// What to send.
    public var payload: DeliveryRecord.Payload
    /// With the code, makes a repeated `webhook.deliver` within the idempotency window return
    /// the first delivery instead of queueing a second.
    public var idempotencyKey: String?
    /// The `webhook-id` to send: nil for the delivery's own id (every new delivery); the
    /// original's `messageID` for a replay that keeps it, so receivers see the same message.
    public var messageID: DeliveryRecord.ID?
    /// The delivery this one replays (`delivery.replay`), for the link in `delivery.get`.
    public var replayOf: DeliveryRecord.ID?

    public init(
        code: String, direction: WebhookDirection = .outbound, method: String = "POST", headers: [String: String] = [:],
        body: [UInt8], contentType: String? = nil, idempotencyKey: String? = nil, messageID: DeliveryRecord.ID? = nil,
        replayOf: DeliveryRecord.ID? = nil
    ) {
        self.code = code
        self.direction = direction
        self.payload = DeliveryRecord.Payload(method: method, headers: headers, body: body, contentType: contentType)
        self.idempotencyKey = idempotencyKey
        self.messageID = messageID
        self.replayOf = replayOf
    }
}
