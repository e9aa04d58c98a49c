import HookCore
import HookMQTT

/// The `mqtt` channel: each alert event as compact JSON on `{prefix}webhook/alerts/{webhook_code}`.
///
/// Delivery means "queued in the publisher": the publisher sends it when the broker is there,
/// keeps it across reconnects and never blocks, so this channel does not fail because the
/// broker is away (an overflow is counted on the publisher and shows in `system.health`).
struct MQTTAlertChannel: AlertChannel {
    let name = AlertChannelName.mqtt.rawValue
    let publisher: MQTTPublisher
    /// Prepended to every topic as is (`hookd/` gives `hookd/webhook/alerts/STRIPE`).
    let topicPrefix: String

    /// - Parameters:
    ///   - publisher: The daemon's shared publisher, which owns the broker connection.
    ///   - topicPrefix: The configured `mqtt.topic_prefix`, usually empty or ending in `/`.
    init(publisher: MQTTPublisher, topicPrefix: String) {
        self.publisher = publisher
        self.topicPrefix = topicPrefix
    }

    /// The topic an event for `webhookCode` goes to.
    func topic(for webhookCode: String) -> String {
        "\(topicPrefix)webhook/alerts/\(webhookCode)"
    }

    /// Queues the event's `webhook_alert` JSON.
    /// - Throws: A permanent `ChannelFailure` only when the publisher is shut down (or the
    ///   prefix makes an invalid topic): retrying cannot help either.
    func deliver(_ event: AlertEvent) async throws(ChannelFailure) {
        do {
            try publisher.publish(topic: topic(for: event.webhookCode), payload: event.json.encoded())
        } catch {
            throw ChannelFailure(message: error.description, permanent: true)
        }
    }
}
