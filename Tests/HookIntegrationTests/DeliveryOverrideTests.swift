import Foundation
import HookClient
import HookJSON
import HookRPC
import HookTestSupport
import Testing

/// Issue 12, black box: a webhook's own delivery settings (`retry`, `breaker`, `max_in_flight`,
/// `rate_per_second`) against a real hookd and the scripted sink, each beside a webhook on the
/// global settings that behaves otherwise, so that every test could fail.
///
/// The global schedule here is long (10 s, 20 s) unless a test says otherwise, and the global
/// breaker never opens (`DeliveryTests.Setup`'s default). Serialized, like `DeliveryTests`: the
/// timing bounds assume the cores are not shared with another delivery test.
@Suite(.serialized)
struct DeliveryOverrideTests {
    static let longSchedule = "[10s, 20s]"

    /// Registers an OUT webhook sending to `path` as `DeliveryTests.Setup.webhook` does, with
    /// `extra` members (the settings under test).
    private func webhook(_ setup: DeliveryTests.Setup, _ code: String, _ path: String, _ extra: JSONObject = [:]) throws -> JSONValue {
        var definition: JSONObject = [
            "code": .string(code), "url": .string(setup.sink.url(path)), "auth_type": "bearer",
            "credential": ["source": "env", "ref": "HOOKD_CRED_DELIVERY_TEST"], "allow_insecure_http": true, "timeout_seconds": 5,
        ]
        for member in extra { definition[member.key] = member.value }
        return try setup.client.upsertWebhook(definition)
    }

    private func deliveryID(_ answer: JSONValue) throws -> String {
        try #require(answer["delivery_id"]?.stringValue, "\(answer.compactText)")
    }

    // MARK: - retry

    @Test func aWebhooksOwnScheduleOf200msMakesItDeadAfterTwoAttemptsWhileTheGlobalScheduleStillWaits() throws {
        let setup = try DeliveryTests.Setup(schedule: Self.longSchedule)
        defer { setup.stop() }
        try setup.sink.script("/own", statuses: [500])
        try setup.sink.script("/global", statuses: [500])
        let registered = try webhook(setup, "OWN_RETRY", "/own", ["retry": ["schedule": ["200ms"]]])
        #expect(registered["retry"] == ["schedule": [0.2]], "webhook.upsert answers with the setting: \(registered.compactText)")
        _ = try webhook(setup, "GLOBAL_RETRY", "/global")

        let global = try deliveryID(try setup.deliver("GLOBAL_RETRY", ["n": 1]))
        let own = try setup.deliver("OWN_RETRY", ["n": 1], wait: "final", extra: ["timeout_ms": 8000])
        #expect(own["status"] == "dead", "\(own.compactText)")
        #expect(own["attempt"]?["number"] == 2)
        let requests = try setup.sink.requests("/own")
        #expect(requests.count == 2)
        if requests.count == 2 {
            let gap = requests[1].time - requests[0].time
            #expect((0.15...1.2).contains(gap), "the retry came \(gap) s after the failure; the webhook's schedule says 0.2 s ± 20 %")
        }

        let waiting = try setup.get(global)
        #expect(waiting["status"] == "retrying", "the global schedule waits 10 s before its first retry: \(waiting.compactText)")
        #expect(waiting["attempt_count"] == 1)
    }

    @Test func aScheduleChangedByUpsertAppliesFromTheNextAttempt() throws {
        let setup = try DeliveryTests.Setup(schedule: Self.longSchedule)
        defer { setup.stop() }
        try setup.sink.script("/changing", statuses: [500])
        _ = try webhook(setup, "CHANGING", "/changing", ["retry": ["schedule": ["1s", "1s", "1s"]]])
        let answer = try setup.deliver("CHANGING", ["n": 1], wait: "first_attempt")
        let id = try deliveryID(answer)
        #expect(answer["status"] == "retrying", "\(answer.compactText)")
        // One retry left in the new schedule: the attempt already scheduled is the last.
        _ = try webhook(setup, "CHANGING", "/changing", ["retry": ["schedule": ["1s"]]])
        let dead = try setup.waitFor(id, status: "dead", seconds: 8)
        #expect(dead["status"] == "dead", "\(dead.compactText)")
        #expect(dead["attempt_count"] == 2)
        #expect(try setup.sink.count("/changing") == 2)
    }

    // MARK: - max_in_flight

    @Test func maxInFlightOneNeverHasTwoRequestsOpenAtOnceWhileTheGlobalEightDoes() throws {
        let setup = try DeliveryTests.Setup()
        defer { setup.stop() }
        try setup.sink.script("/single", delayMilliseconds: 300)
        try setup.sink.script("/parallel", delayMilliseconds: 300)
        _ = try webhook(setup, "SINGLE", "/single", ["max_in_flight": 1])
        _ = try webhook(setup, "PARALLEL", "/parallel")
        var ids: [String] = []
        for number in 0..<5 {
            ids.append(try deliveryID(try setup.deliver("SINGLE", ["n": .integer(Int64(number))])))
            ids.append(try deliveryID(try setup.deliver("PARALLEL", ["n": .integer(Int64(number))])))
        }
        for id in ids {
            let delivery = try setup.waitFor(id, status: "delivered", seconds: 15)
            #expect(delivery["status"] == "delivered", "\(delivery.compactText)")
        }
        #expect(try setup.sink.maxConcurrency("/single") == 1)
        #expect(try setup.sink.maxConcurrency("/parallel") > 1, "without its own max_in_flight a webhook gets delivery.max_in_flight (8)")
        let single = try setup.sink.requests("/single")
        #expect(single.count == 5)
        if single.count == 5 {
            #expect(single[4].time - single[0].time >= 4 * 0.28, "one after another, each held 300 ms by the sink")
        }
    }

    // MARK: - rate_per_second

    @Test func ratePerSecondFiveSpreadsTenDeliveriesOverAtLeast1point6Seconds() throws {
        let setup = try DeliveryTests.Setup()
        defer { setup.stop() }
        _ = try webhook(setup, "PACED", "/paced", ["rate_per_second": 5])
        _ = try webhook(setup, "UNPACED", "/unpaced")
        var ids: [String] = []
        for number in 0..<10 {
            ids.append(try deliveryID(try setup.deliver("PACED", ["n": .integer(Int64(number))])))
            ids.append(try deliveryID(try setup.deliver("UNPACED", ["n": .integer(Int64(number))])))
        }
        for id in ids {
            let delivery = try setup.waitFor(id, status: "delivered", seconds: 15)
            #expect(delivery["status"] == "delivered", "\(delivery.compactText)")
            #expect(delivery["attempt_count"] == 1, "waiting for the rate is not a failed attempt: \(delivery.compactText)")
        }
        let paced = try setup.sink.requests("/paced")
        #expect(paced.count == 10)
        if let first = paced.first, let last = paced.last {
            #expect(last.time - first.time >= 1.6, "10 at 5 per second take 1.8 s; these took \(last.time - first.time) s")
        }
        let gaps = zip(paced.dropFirst(), paced).map { $0.time - $1.time }
        #expect(gaps.allSatisfy { $0 >= 0.15 }, "one every 200 ms: \(gaps)")
        let unpaced = try setup.sink.requests("/unpaced")
        if let first = unpaced.first, let last = unpaced.last {
            #expect(last.time - first.time < 1.6, "without a rate they go as fast as they come")
        }
    }

    /// More deliveries than the rate sends in 2 s: those beyond go back to the queue until the
    /// ones kept have gone (so one slow rate does not hold the claim budget of every webhook),
    /// and each is still sent once, at the rate.
    @Test func aBacklogOverTheRateIsSentOnceEachAtTheRate() throws {
        let setup = try DeliveryTests.Setup()
        defer { setup.stop() }
        _ = try webhook(setup, "BACKLOG", "/backlog", ["rate_per_second": 20])
        var ids: [String] = []
        for number in 0..<60 {
            ids.append(try deliveryID(try setup.deliver("BACKLOG", ["n": .integer(Int64(number))])))
        }
        for id in ids {
            let delivery = try setup.waitFor(id, status: "delivered", seconds: 20)
            #expect(delivery["status"] == "delivered", "\(delivery.compactText)")
            #expect(delivery["attempt_count"] == 1, "\(delivery.compactText)")
        }
        let requests = try setup.sink.requests("/backlog")
        #expect(requests.count == 60)
        #expect(Set(requests.compactMap(\.webhookID)) == Set(ids), "every delivery arrived, none twice")
        if let first = requests.first, let last = requests.last {
            #expect(last.time - first.time >= 2.6, "60 at 20 per second take 2.95 s; these took \(last.time - first.time) s")
        }
    }

    // MARK: - breaker

    @Test func aWebhooksOwnBreakerOpensAtThreeFailuresWhileTheGlobalOneStaysClosed() throws {
        let setup = try DeliveryTests.Setup(schedule: Self.longSchedule)
        defer { setup.stop() }
        try setup.sink.script("/fragile", statuses: [500])
        try setup.sink.script("/sturdy", statuses: [500])
        _ = try webhook(setup, "FRAGILE_OWN", "/fragile", ["breaker": ["min_requests": 3, "cooldown": "1m"]])
        _ = try webhook(setup, "STURDY", "/sturdy")
        for number in 0..<3 {
            _ = try setup.deliver("FRAGILE_OWN", ["n": .integer(Int64(number))], wait: "first_attempt")
            _ = try setup.deliver("STURDY", ["n": .integer(Int64(number))], wait: "first_attempt")
        }
        var stats: JSONValue = .null
        let opened = TestEnvironment.wait(seconds: 5) {
            stats = (try? setup.client.call("delivery.stats", params: ["code": "FRAGILE_OWN"])) ?? .null
            return stats["breaker"]?["state"] == "open"
        }
        #expect(opened, "3 failures of 3 reach its own min_requests: \(stats.compactText)")
        let sturdy = try setup.client.call("delivery.stats", params: ["code": "STURDY"])
        #expect(sturdy["breaker"]?["state"] == "closed", "the global min_requests is 100000: \(sturdy.compactText)")

        // While open, a new delivery waits in the queue, unattempted.
        let held = try deliveryID(try setup.deliver("FRAGILE_OWN", ["n": 3]))
        Thread.sleep(forTimeInterval: 0.5)
        #expect(try setup.sink.count("/fragile") == 3)
        #expect(try setup.get(held)["attempt_count"] == 0)
    }

    // MARK: - status_policy

    @Test func aWebhooksStatusPolicyRetriesA404AndEndsA500AtOnceWhileTheDefaultsDoTheOpposite() throws {
        let setup = try DeliveryTests.Setup(schedule: "[200ms, 200ms]")
        defer { setup.stop() }
        for path in ["/own404", "/default404"] { try setup.sink.script(path, statuses: [404, 200]) }
        for path in ["/own500", "/default500"] { try setup.sink.script(path, statuses: [500, 200]) }
        let registered = try webhook(setup, "OWN_404", "/own404", ["status_policy": ["404": "retry", "5xx": "dead"]])
        #expect(registered["status_policy"] == ["404": "retry", "5xx": "dead"], "\(registered.compactText)")
        _ = try webhook(setup, "OWN_500", "/own500", ["status_policy": ["5xx": "dead"]])
        _ = try webhook(setup, "DEFAULT_404", "/default404")
        _ = try webhook(setup, "DEFAULT_500", "/default500")

        let final: JSONObject = ["timeout_ms": 8000]
        #expect(try setup.deliver("OWN_404", ["n": 1], wait: "final", extra: final)["status"] == "delivered", "404 retried, then 200")
        #expect(try setup.deliver("DEFAULT_404", ["n": 1], wait: "final", extra: final)["status"] == "dead", "404 is rejected by default")
        let ownDead = try setup.deliver("OWN_500", ["n": 1], wait: "final", extra: final)
        #expect(ownDead["status"] == "dead", "\(ownDead.compactText)")
        #expect(try setup.get(try deliveryID(ownDead))["dead_reason"] == "rejected")
        #expect(try setup.deliver("DEFAULT_500", ["n": 1], wait: "final", extra: final)["status"] == "delivered", "500 retried by default")
        #expect(try setup.sink.requests("/own404").count == 2)
        #expect(try setup.sink.requests("/own500").count == 1)
    }

    // MARK: - refusals and the registry

    @Test func badValuesThroughWebhookUpsertAreRefusedNamingTheField() throws {
        let setup = try DeliveryTests.Setup()
        defer { setup.stop() }
        let cases: [(JSONObject, String)] = [
            (["retry": ["schedule": ["5s", "5 minutes"]]], "retry.schedule[1]"),
            (["retry": ["schedule": ["5s"], "max_attempts": 3]], "retry"),
            (["retry": ["max_attempts": 0]], "retry.max_attempts"),
            (["retry": ["max_age": "-1h"]], "retry.max_age"),
            (["breaker": ["failure_rate": 170]], "breaker.failure_rate"),
            (["breaker": ["min_request": 3]], "breaker.min_request"),
            (["breaker": ["cooldown": "1m", "max_cooldown": "30s"]], "breaker.max_cooldown"),
            (["max_in_flight": 0], "max_in_flight"),
            (["max_in_flight": 2.5], "max_in_flight"),
            (["rate_per_second": 0], "rate_per_second"),
            (["rate_per_second": "fast"], "rate_per_second"),
            (["status_policy": ["404": "ignore"]], "status_policy.404"),
            (["status_policy": ["6xx": "dead"]], "status_policy.6xx"),
            (["status_policy": ["2xx": "retry"]], "status_policy.2xx"),
            (["status_policy": ["404": 1]], "status_policy.404"),
            (["status_policy": "retry"], "status_policy"),
            (["signing": ["scheme": "github", "credential": ["source": "env"]]], "signing.credential.ref"),
        ]
        for (extra, field) in cases {
            let error = rpcError { try webhook(setup, "REFUSED", "/refused", extra) }
            #expect(error?.code == -32602, "\(field)")
            #expect(error?.details["parameter"] == .string(field), "\(String(describing: error))")
            #expect(error?.message.contains(field) == true, "\(String(describing: error?.message))")
        }
        #expect(try setup.client.webhooks().isEmpty, "nothing refused was stored")
    }

    @Test func getAndListShowTheSettingsAndAnExportedWebhookReimportsAsTheSameDefinition() throws {
        let setup = try DeliveryTests.Setup()
        defer { setup.stop() }
        let settings: JSONObject = [
            "retry": ["schedule": ["200ms", "5s"], "max_age": "2h"], "breaker": ["min_requests": 3, "cooldown": "2s"],
            "max_in_flight": 2, "rate_per_second": 0.5, "status_policy": ["404": "retry", "5xx": "dead"],
            "signing": ["scheme": "github", "credential": ["source": "env", "ref": "HOOKD_CRED_TUNED_SIGNING"]],
        ]
        _ = try webhook(setup, "TUNED", "/tuned", settings)
        _ = try webhook(setup, "PLAIN", "/plain")
        let tuned = try setup.client.call("webhook.get", params: ["code": "TUNED"])
        #expect(tuned["retry"] == ["schedule": [0.2, 5], "max_age": 7200])
        #expect(tuned["breaker"] == ["min_requests": 3, "cooldown": 2])
        #expect(tuned["max_in_flight"] == 2)
        #expect(tuned["rate_per_second"] == 0.5)
        #expect(tuned["status_policy"] == ["404": "retry", "5xx": "dead"])
        #expect(tuned["signing"] == ["scheme": "github", "credential": ["source": "env", "ref": "HOOKD_CRED_TUNED_SIGNING"]])
        let plain = try setup.client.call("webhook.get", params: ["code": "PLAIN"])
        #expect(plain["retry"] == .object([:]) && plain["breaker"] == .object([:]))
        #expect(plain["max_in_flight"] == .null && plain["rate_per_second"] == .null)
        #expect(plain["signing"] == .null && plain["status_policy"] == .object([:]))
        let listed = try setup.client.webhooks().first { $0["code"] == "TUNED" }
        #expect(listed?["rate_per_second"] == 0.5)

        let exportFile = "\(setup.directory)/registry.yaml"
        let export = try ChildProcess(executable: TestEnvironment.hookrpcPath, arguments: ["webhook", "export", "--socket", setup.daemon.socketPath],
                                      outputPath: "\(setup.directory)/export.out")
        defer { _ = export.stop() }
        #expect(export.waitForExit(seconds: 15) == 0, "\(export.output)")
        try export.output.write(toFile: exportFile, atomically: true, encoding: .utf8)
        #expect(export.output.contains("rate_per_second: 0.5"), "\(export.output)")

        let target = try DaemonProcess(configuration: TestEnvironment.loopbackAllowed, environment: setup.environment)
        defer { target.child.stop() }
        let importer = try ChildProcess(executable: TestEnvironment.hookrpcPath,
                                        arguments: ["webhook", "import", exportFile, "--socket", target.socketPath],
                                        outputPath: "\(target.directory)/import.out")
        defer { _ = importer.stop() }
        #expect(importer.waitForExit(seconds: 15) == 0, "\(importer.output)")
        func definitions(_ client: HookClient) throws -> [JSONValue] {
            try client.webhooks().map { webhook in
                guard case .object(var object) = webhook else { return webhook }
                object["created_at"] = nil
                object["updated_at"] = nil
                return .object(object)
            }
        }
        #expect(try definitions(target.client()) == definitions(setup.client))
    }

    @Test func aConfigurationWithABadDeliverySettingNamesTheKeyAndLine() throws {
        let checked = try TestEnvironment.checkConfiguration("""
            delivery:
              retry:
                schedule: [5s, 5 minutes]
            """)
        #expect(checked.status != 0)
        #expect(checked.output.contains("\(checked.path):3: delivery.retry.schedule[1]"), "\(checked.output)")
        #expect(checked.output.contains("5 minutes"), "\(checked.output)")
    }
}
