import HookCore
import HookJSON
import HookNumbers
import Yams

extension ConfigurationLoader {
    /// `delivery:` — the queue, the retry schedule and the circuit breaker's defaults.
    ///
    /// `retry`, `breaker` and `max_in_flight` are read by `DeliveryOverrides`, the reader of a
    /// webhook's own `retry`, `breaker` and `max_in_flight`: one set of rules for both places.
    func readDelivery(_ section: ConfigurationNode, into settings: inout DeliverySettings) throws(ConfigurationError) {
        var shared = DeliveryOverrides()
        for (key, value) in try section.mapping() {
            switch key {
            case "queue_path": settings.queuePath = try value.string()
            case "max_queued": settings.maxQueued = try value.integer(in: 1...100_000_000)
            case "max_payload_bytes": settings.maxPayloadBytes = try value.integer(in: 1...(64 << 20))
            case "idempotency_window": settings.idempotencyWindow = try duration(value, in: 1...(30 * 86_400))
            case "retention_days": settings.deliveredRetention = try value.number(in: 0...3650) * 86_400
            case "dead_retention_days": settings.deadRetention = try value.number(in: 0...3650) * 86_400
            case "max_in_flight", "retry", "breaker":
                let json = try value.jsonValue()
                do throws(WebhookValidationError) {
                    try shared.read(key, json)
                } catch {
                    throw Self.locate(error, in: section)
                }
            default:
                throw value.error("unknown key (expected queue_path, max_queued, max_payload_bytes, idempotency_window, "
                                  + "retention_days, dead_retention_days, max_in_flight, retry, breaker)")
            }
        }
        settings.maxInFlightPerWebhook = shared.maxInFlight ?? settings.maxInFlightPerWebhook
        settings.retry = shared.retry.schedule(over: settings.retry)
        settings.breaker = shared.breaker.settings(over: settings.breaker)
    }

    /// A refusal of the shared reader, at the key and line it names (`retry.schedule[1]` under
    /// `delivery`); where the path cannot be followed, at the deepest key that can.
    private static func locate(_ error: WebhookValidationError, in section: ConfigurationNode) -> ConfigurationError {
        var node = section
        walk: for component in error.field.split(separator: ".") {
            var parts = component.split(separator: "[", omittingEmptySubsequences: false)
            let name = String(parts.removeFirst())
            guard let child = (try? node.mapping())?.first(where: { $0.0 == name })?.1 else { break walk }
            node = child
            for part in parts {
                guard let index = Int(part.dropLast()), let items = try? node.sequence(), items.indices.contains(index) else { break walk }
                node = items[index]
            }
        }
        var located = node.error(error.reason)
        located.key = section.path.isEmpty ? error.field : "\(section.path).\(error.field)"
        return located
    }

    /// A duration as config writes it: seconds, or a string with a unit (`500ms`, `5s`, `5m`, `2h`, `1d`).
    private func duration(_ node: ConfigurationNode, in range: ClosedRange<Double>) throws(ConfigurationError) -> Double {
        let text = try node.string()
        let seconds: Double
        do throws(DurationTextError) {
            seconds = try DurationText.seconds(from: text)
        } catch {
            throw node.error("\(error)")
        }
        guard range.contains(seconds) else {
            func text(_ seconds: Double) -> String {
                seconds == seconds.rounded(.down) ? String(Int64(clamping: seconds, rounding: .down)) : String(seconds)
            }
            throw node.error("must be from \(text(range.lowerBound)) to \(text(range.upperBound)) seconds")
        }
        return seconds
    }
}

extension ConfigurationNode {
    /// The YAML under this node as JSON, for readers shared with webhook definitions: mappings
    /// become objects, lists arrays, and a scalar (after `${VAR}` expansion) a number when it
    /// reads as one (`10`, `0.5`), else a string (`5m`).
    func jsonValue() throws(ConfigurationError) -> JSONValue {
        switch node {
        case .mapping:
            var object = JSONObject()
            for (key, member) in try mapping() { object[key] = try member.jsonValue() }
            return .object(object)
        case .sequence:
            return .array(try sequence().map { item throws(ConfigurationError) in try item.jsonValue() })
        default:
            let text = try string()
            if let integer = Int64(text) { return .integer(integer) }
            if let number = Double(text), number.isFinite { return .double(number) }
            return .string(text)
        }
    }
}
