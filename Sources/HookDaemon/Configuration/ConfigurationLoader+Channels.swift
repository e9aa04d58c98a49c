extension ConfigurationLoader {
    func readSlack(_ section: ConfigurationNode, into settings: inout SlackSettings) throws(ConfigurationError) {
        for (key, value) in try section.mapping() {
            switch key {
            case "webhook_url": settings.webhookURL = try url(value)
            case "webhook_url_file": settings.webhookURL = try secretFile(value)
            case "timeout_seconds": settings.timeoutSeconds = try value.number(in: 1...120)
            default: throw value.error("unknown key")
            }
        }
    }

    func readPagerDuty(_ section: ConfigurationNode, into settings: inout PagerDutySettings) throws(ConfigurationError) {
        for (key, value) in try section.mapping() {
            switch key {
            case "routing_key": settings.routingKey = try value.string()
            case "routing_key_file": settings.routingKey = try secretFile(value)
            case "events_url": settings.eventsURL = try url(value)
            case "timeout_seconds": settings.timeoutSeconds = try value.number(in: 1...120)
            default: throw value.error("unknown key")
            }
        }
    }

    func readSMTP(_ section: ConfigurationNode, into settings: inout SMTPSettings) throws(ConfigurationError) {
        for (key, value) in try section.mapping() {
            switch key {
            case "url":
                let text = try value.string()
                guard text.hasPrefix("smtp://") || text.hasPrefix("smtps://") else { throw value.error("must start with smtp:// or smtps://") }
                settings.url = text
            case "from": settings.from = try value.string()
            case "to": settings.to = try value.stringList()
            case "username": settings.username = try value.string()
            case "password": settings.password = try value.string()
            case "password_file": settings.password = try secretFile(value)
            case "require_tls": settings.requireTLS = try value.bool()
            case "ca_file": settings.caFile = try value.string()
            case "timeout_seconds": settings.timeoutSeconds = try value.number(in: 1...120)
            default: throw value.error("unknown key")
            }
        }
    }

    func readMQTT(_ section: ConfigurationNode, into settings: inout MQTTSettings) throws(ConfigurationError) {
        for (key, value) in try section.mapping() {
            switch key {
            case "enabled": settings.enabled = try value.bool()
            case "host": settings.host = try value.string()
            case "port": settings.port = try value.integer(in: 1...65_535)
            case "username": settings.username = try value.string()
            case "password": settings.password = try value.string()
            case "password_file": settings.password = try secretFile(value)
            case "client_id": settings.clientID = try value.string()
            case "qos": settings.qos = try value.integer(in: 0...2)
            case "topic_prefix": settings.topicPrefix = try value.string()
            case "queue_size": settings.queueSize = try value.integer(in: 1...10_000_000)
            case "max_queue_bytes": settings.maxQueueBytes = try value.integer(in: 65_536...(1 << 30))
            case "tls": settings.tls = try value.bool()
            case "ca_file": settings.caFile = try value.string()
            case "cert_file": settings.certificateFile = try value.string()
            case "key_file": settings.keyFile = try value.string()
            default: throw value.error("unknown key")
            }
        }
        if (settings.certificateFile == nil) != (settings.keyFile == nil) {
            throw section.error("cert_file and key_file go together: give both or neither")
        }
    }

    private func url(_ node: ConfigurationNode) throws(ConfigurationError) -> String {
        let text = try node.string()
        guard text.hasPrefix("https://") || text.hasPrefix("http://") else { throw node.error("must be an http(s) URL") }
        return text
    }
}
