import Foundation
import HookClient
import HookJSON
import HookRedis
import Testing

/// Credentials end to end: Infisical (the test server), Redis and hookd, all real processes.
struct CredentialTests {
    static let secretValue = "sk_fake_test_4f9a8b7c6d5e"

    /// hookd with Infisical and (optionally) Redis, and STRIPE/OUT registered with an Infisical secret.
    struct Setup {
        let directory: String
        let infisical: InfisicalServer
        let redis: RedisServer?
        let daemon: DaemonProcess
        var client: HookClient { daemon.client() }

        init(ttlSeconds: Int = 300, withRedis: Bool = false, tokenSeconds: Double = 7200, extraConfiguration: String = "",
             directory existing: String? = nil, infisical sharedInfisical: InfisicalServer? = nil, redis sharedRedis: RedisServer? = nil,
             socketName: String = "hookd.sock") throws {
            directory = try existing ?? TestEnvironment.makeTemporaryDirectory()
            infisical = try sharedInfisical ?? InfisicalServer(directory: directory, tokenSeconds: tokenSeconds)
            redis = try sharedRedis ?? (withRedis ? RedisServer(directory: directory) : nil)
            let configuration = infisical.configuration + (redis?.configuration ?? "")
                + "cache:\n  ttl_seconds: \(ttlSeconds)\n" + extraConfiguration
            daemon = try DaemonProcess(configuration: configuration, directory: directory, socketName: socketName)
            if sharedInfisical == nil { try infisical.setSecret("STRIPE_SECRET", CredentialTests.secretValue) }
            _ = try daemon.client().upsertWebhook([
                "code": "STRIPE", "url": "https://api.stripe.test/v1", "auth_type": "bearer",
                "credential": ["source": "infisical", "ref": "STRIPE_SECRET"],
            ])
        }
    }

    @Test func theFirstCallMissesAndTheNextIsAnL1HitWithoutAskingInfisical() throws {
        let setup = try Setup()
        let first = try setup.client.credential(code: "STRIPE")
        #expect(first["credential"]?["token"] == .string(Self.secretValue))
        #expect(first["source"] == "infisical")
        #expect(first["cache"]?["hit"] == false)
        let second = try setup.client.credential(code: "STRIPE")
        #expect(second["cache"]?["hit"] == true)
        #expect(second["cache"]?["tier"] == "memory")
        #expect(second["cache"]?["ttl_s"] == 300)
        #expect(try setup.infisical.requestCount("read") == 1)
        #expect(try setup.infisical.requestCount("login") == 1)
    }

    /// `credential.warm` (what `ObjHook.read` calls): Infisical is asked once, the secret does not
    /// cross the socket, and the next `credential.get` is a memory hit.
    @Test func warmingFetchesOnceWithoutReturningTheSecretAndTheNextGetHits() throws {
        let setup = try Setup()
        let warmed = try setup.client.warmCredential(code: "STRIPE")
        #expect(warmed == ["cached": true, "tier": .null, "ttl_s": 300], "\(warmed.compactText)")
        #expect(try setup.infisical.requestCount("read") == 1)
        let again = try setup.client.warmCredential(code: "STRIPE")
        #expect(again["tier"] == "memory")
        #expect((again["ttl_s"]?.doubleValue ?? 0) <= 300)
        let got = try setup.client.credential(code: "STRIPE")
        #expect(got["cache"]?["hit"] == true && got["cache"]?["tier"] == "memory")
        #expect(got["credential"]?["token"] == .string(Self.secretValue))
        #expect(try setup.infisical.requestCount("read") == 1, "warming made the only source read")

        let unknown = try #require(CredentialReferenceTests.refusal { try setup.client.warmCredential(code: "NOPE") })
        #expect(unknown.code == -32002)
        _ = try setup.client.upsertWebhook(["code": "MISSING", "url": "https://api.example.test", "auth_type": "bearer",
                                            "credential": ["source": "infisical", "ref": "NOT_THERE"]])
        let missing = try #require(CredentialReferenceTests.refusal { try setup.client.warmCredential(code: "MISSING") })
        #expect(missing.code == -32005, "\(missing.message)")
        #expect(!warmed.compactText.contains(Self.secretValue) && !again.compactText.contains(Self.secretValue))
    }

    @Test func afterTheTTLTheSourceIsAskedAgain() throws {
        let setup = try Setup(ttlSeconds: 1)
        _ = try setup.client.credential(code: "STRIPE")
        Thread.sleep(forTimeInterval: 1.2)
        let again = try setup.client.credential(code: "STRIPE")
        #expect(again["cache"]?["hit"] == false)
        #expect(try setup.infisical.requestCount("read") == 2)
    }

    @Test func aHundredConcurrentMissesMakeOneInfisicalRequest() throws {
        let setup = try Setup()
        try setup.infisical.configure(["delayMs": 75])
        let failures = Atomic(0)
        DispatchQueue.concurrentPerform(iterations: 100) { _ in
            let client = setup.daemon.client()
            if (try? client.credential(code: "STRIPE"))?["credential"]?["token"] != .string(Self.secretValue) { failures.increment() }
        }
        #expect(failures.value == 0)
        #expect(try setup.infisical.requestCount("read") == 1)
    }

    @Test func whenInfisicalIsDownTheStaleValueIsServedAndHealthIsDegraded() throws {
        let setup = try Setup(ttlSeconds: 1)
        _ = try setup.client.credential(code: "STRIPE")
        try setup.infisical.configure(["down": true])
        Thread.sleep(forTimeInterval: 1.2)
        let stale = try setup.client.credential(code: "STRIPE")
        #expect(stale["credential"]?["token"] == .string(Self.secretValue))
        #expect(stale["cache"]?["stale"] == true)
        let health = try setup.client.health()
        #expect(health["status"] == "degraded")
        #expect(health["components"]?["infisical"]?["status"] == "degraded")
        try setup.infisical.configure(["down": false])
        #expect(try setup.client.credential(code: "STRIPE")["cache"]?["stale"] == nil)
        #expect(try setup.client.health()["status"] == "ok")
    }

    @Test func aMissingSecretIsAClearErrorAndIsNegativelyCached() throws {
        let setup = try Setup()
        _ = try setup.client.upsertWebhook(["code": "GITHUB", "url": "https://api.github.test", "auth_type": "hmac",
                                            "credential": ["source": "infisical", "ref": "NO_SUCH_SECRET"]])
        for _ in 0..<3 {
            let failure = try #require(throws: HookClientError.self) { try setup.client.credential(code: "GITHUB") }
            guard case .reply(let error) = failure else {
                Issue.record("expected an error reply, got \(failure)")
                return
            }
            #expect(error.code == -32005)
            #expect(error.message == "credential for GITHUB/OUT not found in infisical (ref NO_SUCH_SECRET)")
        }
        #expect(try setup.infisical.requestCount("read") == 1)
    }

    @Test func theAccessTokenIsRenewedBeforeItExpires() throws {
        let setup = try Setup(ttlSeconds: 1, tokenSeconds: 2)
        _ = try setup.client.credential(code: "STRIPE")
        Thread.sleep(forTimeInterval: 1.8)  // past 80% of the token's 2 s life
        #expect(try setup.client.credential(code: "STRIPE")["credential"]?["token"] == .string(Self.secretValue))
        #expect(try setup.infisical.requestCount("renew") >= 1)
        #expect(try setup.infisical.requestCount("login") == 1)
    }

    @Test func anExpiredTokenLeadsToOneFreshLogin() throws {
        let setup = try Setup(ttlSeconds: 1)
        _ = try setup.client.credential(code: "STRIPE")
        try setup.infisical.control("POST", "expire-tokens")
        Thread.sleep(forTimeInterval: 1.1)
        #expect(try setup.client.credential(code: "STRIPE")["cache"]?["hit"] == false)
        #expect(try setup.infisical.requestCount("login") == 2)
    }

    @Test func valuesInRedisAreEncryptedAndServeAnL2HitAfterARestart() throws {
        let setup = try Setup(withRedis: true)
        _ = try setup.client.credential(code: "STRIPE")
        let redis = try #require(setup.redis)
        let stored = try redis.connection().command("GET", "hookd:cred:STRIPE:OUT")
        guard case .bulk(let bytes) = stored else {
            Issue.record("expected the credential in Redis, found \(stored)")
            return
        }
        #expect(bytes.first == 1)
        #expect(!String(decoding: bytes, as: UTF8.self).contains(Self.secretValue))
        #expect(!String(decoding: bytes, as: UTF8.self).contains("token"))

        setup.daemon.child.stop()
        let restarted = try DaemonProcess(configuration: setup.infisical.configuration + redis.configuration,
                                          directory: setup.directory, socketName: "restarted.sock")
        let afterRestart = try restarted.client().credential(code: "STRIPE")
        #expect(afterRestart["cache"]?["tier"] == "redis")
        #expect(afterRestart["credential"]?["token"] == .string(Self.secretValue))
        #expect(try setup.infisical.requestCount("read") == 1)
    }

    /// Issue 11: `redis.enabled: true` without a key (the application's config) works. Each state
    /// directory gets its own key (0600), health shows its id, never the key, and a hookd with
    /// another key reads the shared values as misses, counted on health, never as plaintext.
    @Test func withoutAConfiguredKeyHookdMakesItsOwnAndForeignValuesAreMisses() throws {
        let redisDirectory = try TestEnvironment.makeTemporaryDirectory()
        let redis = try RedisServer(directory: redisDirectory)
        let keyless = "redis:\n  enabled: true\n  socket: \(redis.socketPath)\n"
        let first = try Setup(extraConfiguration: keyless)
        let keyPath = "\(first.directory)/state/redis-encryption.key"
        let attributes = try FileManager.default.attributesOfItem(atPath: keyPath)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let key = try String(contentsOfFile: keyPath, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(Data(base64Encoded: key)?.count == 32)
        let firstHealth = try first.client.health()["components"]?["redis_encryption"]
        let firstID = try #require(firstHealth?["detail"]?.stringValue)
        #expect(firstHealth?["status"] == "ok" && firstID.hasPrefix("key id ") && firstID.count == 15, "\(firstID)")
        #expect(!(firstHealth?.compactText.contains(key) ?? true))
        // Registering a webhook invalidates it in Redis too, so both register before anything is stored.
        let second = try Setup(extraConfiguration: keyless, infisical: first.infisical)
        _ = try first.client.credential(code: "STRIPE")  // now in Redis, under the first key
        let fromSecond = try second.client.credential(code: "STRIPE")
        #expect(fromSecond["cache"]?["tier"] == .null, "not read from Redis: another key")
        #expect(fromSecond["credential"]?["token"] == .string(Self.secretValue))
        #expect(try first.infisical.requestCount("read") == 2)
        let secondHealth = try second.client.health()["components"]?["redis_encryption"]
        #expect(secondHealth?["status"] == "degraded", "\(secondHealth?.compactText ?? "")")
        #expect(secondHealth?["detail"]?.stringValue?.contains("1 stored value(s) did not decrypt") == true)
        #expect(secondHealth?["detail"]?.stringValue != firstID)

        first.daemon.child.stop()
        let restarted = try DaemonProcess(configuration: first.infisical.configuration + keyless, directory: first.directory,
                                          socketName: "restarted.sock")
        #expect(try restarted.client().health()["components"]?["redis_encryption"]?["detail"]?.stringValue == firstID,
                "the key made at first start is used again")
        let output = first.daemon.child.output
        #expect(output.contains("created the encryption key") && !output.contains(key))
    }

    @Test func invalidationReachesEveryHookdSharingTheRedis() throws {
        let first = try Setup(withRedis: true)
        let second = try DaemonProcess(configuration: first.infisical.configuration + (first.redis?.configuration ?? ""),
                                       directory: first.directory, socketName: "second.sock")
        _ = try first.client.credential(code: "STRIPE")
        _ = try second.client().credential(code: "STRIPE")
        #expect(try second.client().credential(code: "STRIPE")["cache"]?["tier"] == "memory")
        #expect(try first.client.invalidateCredentials(code: "STRIPE") == 1)
        let dropped = TestEnvironment.wait(seconds: 1) {
            (try? second.client().credential(code: "STRIPE"))?["cache"]?["tier"] != "memory"
        }
        #expect(dropped)
    }

    @Test func anAuthFailureReportedToAlertRecordDropsTheCachedCredentialInBothTiers() throws {
        let setup = try Setup(withRedis: true)
        _ = try setup.client.credential(code: "STRIPE")
        #expect(try setup.client.credential(code: "STRIPE")["cache"]?["tier"] == "memory")
        _ = try setup.client.call("alert.record", params: ["webhook_code": "STRIPE", "success": false, "duration": 0.3, "status_code": 401])
        let refetched = TestEnvironment.wait(seconds: 2) {
            (try? setup.infisical.requestCount("read")) == 1 && (try? setup.redis?.connection().command("EXISTS", "hookd:cred:STRIPE:OUT")) == .integer(0)
        }
        #expect(refetched, "the Redis copy should be gone")
        let after = try setup.client.credential(code: "STRIPE")
        #expect(after["cache"]?["hit"] == false)
        #expect(try setup.infisical.requestCount("read") == 2)
        // A success does not invalidate.
        _ = try setup.client.call("alert.record", params: ["webhook_code": "STRIPE", "success": true, "duration": 0.1, "status_code": 200])
        #expect(try setup.client.credential(code: "STRIPE")["cache"]?["hit"] == true)
    }

    @Test func killingRedisMidRunFailsNoCall() throws {
        let setup = try Setup(ttlSeconds: 1, withRedis: true)
        let client = setup.client
        var failures = 0
        for round in 0..<30 {
            if round == 10 { setup.redis?.child.stop(grace: 2) }
            if round % 5 == 0 { _ = try? client.invalidateCredentials(code: "STRIPE") }
            if (try? client.credential(code: "STRIPE"))?["credential"]?["token"] != .string(Self.secretValue) { failures += 1 }
            Thread.sleep(forTimeInterval: 0.05)
        }
        #expect(failures == 0)
        let health = try client.health()
        #expect(health["components"]?["redis"]?["status"] == "degraded")
    }

    @Test func everyCredentialGetIsAuditedWithoutTheValueAndNoSecretReachesAnyLog() throws {
        let setup = try Setup()
        _ = try setup.client.credential(code: "STRIPE")
        _ = try setup.client.credential(code: "STRIPE")
        _ = try? setup.client.credential(code: "UNKNOWN")
        let auditPath = "\(setup.directory)/state/log/audit.log"
        // The first line records the webhook's creation (webhook.upsert); then one per credential.get.
        let everyLine = TestEnvironment.waitForLines(in: auditPath, count: 4)
        #expect(everyLine.count == 4)
        #expect(try JSONValue.parse(#require(everyLine.first))["event"] == "webhook.upsert")
        let lines = Array(everyLine.dropFirst())
        let first = try JSONValue.parse(#require(lines.first))
        #expect(first["event"] == "credential.get")
        #expect(first["code"] == "STRIPE")
        #expect(first["uid"] == 0)
        #expect(first["source"] == "infisical")
        #expect(first["hit"] == false)
        #expect(try JSONValue.parse(lines[1])["tier"] == "memory")
        #expect(try JSONValue.parse(lines[2])["error"] == "not_found")
        setup.daemon.child.stop()
        for path in [auditPath, setup.daemon.child.outputPath, setup.infisical.child.outputPath] {
            let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
            #expect(!text.contains(Self.secretValue), "\(path) holds the secret")
            #expect(!text.contains(InfisicalServer.clientSecret), "\(path) holds the identity's secret")
        }
    }

    @Test func aWrongIdentitySecretIsAClearErrorThatNamesNoSecret() throws {
        let directory = try TestEnvironment.makeTemporaryDirectory()
        let infisical = try InfisicalServer(directory: directory)
        try infisical.setSecret("STRIPE_SECRET", Self.secretValue)
        let wrong = infisical.configuration.replacingOccurrences(of: InfisicalServer.clientSecret, with: "st.wrong-secret-000")
        let daemon = try DaemonProcess(configuration: wrong, directory: directory)
        _ = try daemon.client().upsertWebhook(["code": "STRIPE", "url": "https://api.stripe.test", "auth_type": "bearer",
                                               "credential": ["source": "infisical", "ref": "STRIPE_SECRET"]])
        let failure = try #require(throws: HookClientError.self) { try daemon.client().credential(code: "STRIPE") }
        guard case .reply(let error) = failure else {
            Issue.record("expected an error reply, got \(failure)")
            return
        }
        #expect(error.code == -32007)
        #expect(error.message.contains("login refused (401)"))
        #expect(!error.message.contains("st.wrong-secret-000"))
        // Refused logins are not retried at once: Infisical locks an identity out after three.
        _ = try? daemon.client().credential(code: "STRIPE")
        #expect(try infisical.requestCount("login") == 1)
    }
}

/// A counter shared by concurrent test work.
final class Atomic: @unchecked Sendable {
    private let lock = NSLock()
    private var count: Int
    init(_ value: Int) { count = value }
    func increment() { add(1) }
    func add(_ amount: Int) { lock.withLock { count += amount } }
    var value: Int { lock.withLock { count } }
}

extension TestEnvironment {
    /// The file's lines once it has at least `count` (waiting up to 5 s for a buffered writer).
    static func waitForLines(in path: String, count: Int) -> [String] {
        var lines: [String] = []
        _ = wait(seconds: 5) {
            lines = ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
            return lines.count >= count
        }
        return lines
    }
}
