/// `slack.*`: an incoming webhook.
public struct SlackSettings: Sendable, Equatable {
    /// A secret: whoever has it can post to the channel.
    public var webhookURL: String?
    public var timeoutSeconds = 10.0

    public init() {}
}

/// `pagerduty.*` (and the seed's `webhooks.alerting.pagerduty_key`): Events API v2.
public struct PagerDutySettings: Sendable, Equatable {
    /// The integration's routing key (32 characters). A secret.
    public var routingKey: String?
    public var eventsURL = "https://events.pagerduty.com/v2/enqueue"
    public var timeoutSeconds = 10.0

    public init() {}
}

/// `smtp.*` (and the seed's `webhooks.alerting.alert_email`): alert email over SMTP with libcurl.
public struct SMTPSettings: Sendable, Equatable {
    /// `smtps://host:465` (implicit TLS) or `smtp://host:587` (STARTTLS, required unless `requireTLS` is false).
    public var url: String?
    public var from: String?
    /// Recipients (`webhooks.alerting.alert_email`, a comma string or list).
    public var to: [String] = []
    public var username: String?
    public var password: String?
    /// As Alertmanager: an `smtp://` server must offer STARTTLS unless this is turned off.
    public var requireTLS = true
    public var caFile: String?
    public var timeoutSeconds = 15.0

    public init() {}
}

/// `mqtt.*`: the broker that receives events (`webhook/requests`, `webhook/responses`,
/// `webhook/alerts/{code}`).
public struct MQTTSettings: Sendable, Equatable {
    public var enabled = false
    public var host = "localhost"
    public var port = 1883
    public var username: String?
    public var password: String?
    public var clientID = "hookd"
    public var qos = 1
    public var topicPrefix = ""
    /// Messages kept while the broker is away; past it the oldest are dropped and counted.
    public var queueSize = 10_000
    /// Bytes (topics and payloads) kept while the broker is away; past it the oldest messages are
    /// dropped and counted, so large events cannot hold more memory than this.
    public var maxQueueBytes = 8 << 20
    /// `structured_logging.mqtt_enabled`: also publish request/response lines.
    public var publishLogs = false
    /// `mqtt.tls` and `mqtt.ca_file` / `cert_file` / `key_file`: TLS towards the broker.
    public var tls = false
    public var caFile: String?
    public var certificateFile: String?
    public var keyFile: String?

    public init() {}
}
