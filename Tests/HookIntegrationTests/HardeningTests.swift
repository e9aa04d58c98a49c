import Foundation
import HookClient
import HookJSON
import HookRPC
import HookTestSupport
import Synchronization
import Testing

/// Issue 10's black-box regressions: a real hookd, a real socket, hostile inputs.
struct HardeningTests {
    /// hookd holds every credential: it makes itself non-dumpable before anything else, so a
    /// crash writes no core file and no same-uid process may read its memory. The kernel shows
    /// it: a non-dumpable process's /proc/PID files belong to root whatever the process's own uid.
    @Test func hookdIsNotDumpable() throws {
        let nobody: uid_t = 65534
        let runsAsRoot = geteuid() == 0
        let directory = try TestEnvironment.makeTemporaryDirectory()
        var launcher: [String] = []
        if runsAsRoot {
            // As root the owner would be root either way: run hookd as nobody to see the difference.
            #expect(chown(directory, nobody, gid_t(nobody)) == 0)
            launcher = ["/usr/bin/setpriv", "--reuid=\(nobody)", "--regid=\(nobody)", "--clear-groups", "--"]
        }
        let daemon = try DaemonProcess(launcher: launcher, directory: directory)
        var status = stat()
        try #require(stat("/proc/\(daemon.child.processID)/status", &status) == 0)
        let effectiveUserID = try #require(try String(contentsOfFile: "/proc/\(daemon.child.processID)/status", encoding: .utf8)
            .split(separator: "\n").first { $0.hasPrefix("Uid:") }?.split(separator: "\t").dropFirst(2).first)
        #expect(effectiveUserID == (runsAsRoot ? "\(nobody)" : "\(geteuid())"), "hookd runs as someone other than root")
        #expect(status.st_uid == 0, "/proc/PID/status of a non-dumpable process belongs to root")
    }
}

/// Item 9: numbers from upstream servers are clamped before any conversion; none traps hookd.
struct UpstreamNumberTests {
    /// Infisical answers a read with 429 and a Retry-After no server should send. hookd ignores
    /// it (its own backoff applies), reads the secret on the next try, and keeps running.
    @Test(arguments: ["-inf", "1e300", "nan", "-5", "0x10", "7x"])
    func anAbsurdRetryAfterFromInfisicalIsIgnored(retryAfter: String) throws {
        let directory = try TestEnvironment.makeTemporaryDirectory()
        let infisical = try InfisicalServer(directory: directory)
        try infisical.setSecret("STRIPE_SECRET", "sk_test_retry_after_1")
        let daemon = try DaemonProcess(configuration: infisical.configuration, directory: directory)
        _ = try daemon.client().upsertWebhook(["code": "STRIPE", "url": "https://api.stripe.test", "auth_type": "bearer",
                                               "credential": ["source": "infisical", "ref": "STRIPE_SECRET"]])
        try infisical.configure(["failNext": ["status": 429, "count": 1, "retryAfter": .string(retryAfter), "kinds": ["read"]]])
        let started = Date()
        let reply = try daemon.client().credential(code: "STRIPE")
        #expect(reply["credential"]?["token"] == "sk_test_retry_after_1")
        #expect(Date().timeIntervalSince(started) < 5, "the default backoff applied, not the header")
        #expect(try infisical.requestCount("read") == 2)
        #expect(daemon.child.isRunning)
    }

    /// An Infisical login whose token lives 10¹⁸ seconds (an integer JSON can carry; a larger
    /// one is refused by the strict parser as out of range): hookd caps the lifetime and serves.
    @Test func anAbsurdTokenLifetimeFromInfisicalIsCapped() throws {
        let directory = try TestEnvironment.makeTemporaryDirectory()
        let infisical = try InfisicalServer(directory: directory, tokenSeconds: 1e18, tokenMaxSeconds: 1e18)
        try infisical.setSecret("STRIPE_SECRET", "sk_test_lifetime_1")
        let daemon = try DaemonProcess(configuration: infisical.configuration, directory: directory)
        _ = try daemon.client().upsertWebhook(["code": "STRIPE", "url": "https://api.stripe.test", "auth_type": "bearer",
                                               "credential": ["source": "infisical", "ref": "STRIPE_SECRET"]])
        #expect(try daemon.client().credential(code: "STRIPE")["credential"]?["token"] == "sk_test_lifetime_1")
        #expect(try daemon.client().health()["status"] != nil)
        #expect(daemon.child.isRunning)
    }

    /// An OAuth2 token endpoint says `expires_in: 1e19` (about 3·10¹¹ years; converting it to
    /// whole milliseconds trapped hookd). The lifetime is capped at a year.
    @Test func anAbsurdExpiresInFromATokenEndpointIsCappedAtAYear() throws {
        let endpoints = try ValidationTests.Endpoints()
        let answer = #"{"access_token":"tok-absurd","token_type":"Bearer","expires_in":1e19}"#
        try HTTPControl.call("PUT", "\(endpoints.http)/__test__/token/absurd", bytes: Array(answer.utf8))
        var environment = ProcessInfo.processInfo.environment
        environment["HOOKD_CRED_OAUTH"] = #"{"token_url":"\#(endpoints.http)/token/absurd","client_id":"cid","client_secret":"cs-absurd"}"#
        let daemon = try DaemonProcess(configuration: TestEnvironment.loopbackAllowed, environment: environment)
        _ = try daemon.client().upsertWebhook(["code": "OAUTH", "url": "https://api.example.test", "auth_type": "oauth2_client_credentials",
                                               "credential": ["source": "env", "ref": "HOOKD_CRED_OAUTH"], "allow_insecure_http": true])
        let reply = try daemon.client().credential(code: "OAUTH")
        #expect(reply["credential"]?["access_token"] == "tok-absurd")
        let expiresAt = try #require(reply["credential"]?["expires_at"]?.stringValue)
        let year = try #require(Int(expiresAt.prefix(4)))
        let thisYear = Calendar(identifier: .gregorian).component(.year, from: Date())
        #expect((thisYear...thisYear + 1).contains(year), "expires_at \(expiresAt): at most a year away")
        #expect(daemon.child.isRunning)
    }
}

/// Item 10: every response body hookd reads is capped by `http.max_response_bytes`.
struct ResponseBodyCapTests {
    /// A webhook endpoint answers validation's GET with 50 MB, announced or chunked: the transfer
    /// stops at the cap, the result says why, and hookd carries on.
    @Test(arguments: ["", "?chunked=1"])
    func aBodyPastTheCapAbortsTheTransferAndTheResultSaysSo(query: String) throws {
        let endpoints = try ValidationTests.Endpoints()
        let daemon = try DaemonProcess(configuration: "http:\n  max_response_bytes: 65536\n" + TestEnvironment.loopbackAllowed)
        let client = daemon.client()
        _ = try client.call("webhook.upsert", params: ["code": "BIG", "url": .string("\(endpoints.http)/bytes/50000000\(query)"), "auth_type": "none"])
        let started = Date()
        let result = try client.call("validate.one", params: ["code": "BIG"])
        #expect(result["status"] == "ERROR", "\(result.compactText)")
        #expect(result["message"]?.stringValue?.contains("Response too large") == true, "\(result.compactText)")
        #expect(result["message"]?.stringValue?.contains("65536") == true)
        #expect(Date().timeIntervalSince(started) < 10, "aborted at the cap, not after 50 MB")
        _ = try client.call("webhook.upsert", params: ["code": "SMALL", "url": .string("\(endpoints.http)/bytes/60000\(query)"), "auth_type": "none"])
        #expect(try client.call("validate.one", params: ["code": "SMALL"])["status"] == "VALID", "a body under the cap is read")
    }

    @Test func theCapIsCheckedAtStart() throws {
        let check = try TestEnvironment.checkConfiguration("http:\n  max_response_bytes: 10\n")
        #expect(check.status == 78)
        #expect(check.output.contains("http.max_response_bytes"), "\(check.output)")
    }
}

/// Item 4: a webhook cannot point its credential at hookd's own secrets.
struct CredentialReferenceTests {
    static let ownSecret = "st.hookd-own-infisical-secret-91c2"

    /// hookd configured with an Infisical client secret taken from `HOOKD_CRED_LEAK` (an operator's
    /// slip that puts one of hookd's secrets where webhook names live), a file directory, and one
    /// allow pattern.
    static func daemon(directory: String, extraEnvironment: [String: String] = [:]) throws -> DaemonProcess {
        try FileManager.default.createDirectory(atPath: "\(directory)/webhook-credentials", withIntermediateDirectories: true)
        var environment = ProcessInfo.processInfo.environment
        environment["HOOKD_CRED_LEAK"] = ownSecret
        environment["INFISICAL_CLIENT_SECRET"] = ownSecret
        environment["STRIPE_LIVE_KEY"] = "sk_fake_allowed_by_pattern_1"
        environment.merge(extraEnvironment) { $1 }
        let configuration = """
            infisical:
              site_url: http://127.0.0.1:9
              client_id: hookd-identity
              client_secret: ${INFISICAL_CLIENT_SECRET}
              project_id: proj-1
            credentials:
              file_dir: \(directory)/webhook-credentials
              env_allow: ["STRIPE_*_KEY"]

            """
        return try DaemonProcess(configuration: configuration + TestEnvironment.loopbackAllowed, environment: environment, directory: directory)
    }

    static func refusal(_ call: () throws -> JSONValue) -> RPCError? {
        do {
            _ = try call()
            return nil
        } catch let HookClientError.reply(error) {
            return error
        } catch {
            return nil
        }
    }

    @Test(arguments: [
        ("INFISICAL_CLIENT_SECRET", "must start with HOOKD_CRED_"),
        ("PATH", "must start with HOOKD_CRED_"),
        ("HOOKD_CRED_", "must start with HOOKD_CRED_"),
        ("HOOKD_CRED_LEAK", "hookd's own secrets"),
    ])
    func anEnvReferenceOutsideTheAllowedNamesOrHoldingAnOwnSecretIsRefused(reference: String, reason: String) throws {
        let daemon = try Self.daemon(directory: try TestEnvironment.makeTemporaryDirectory())
        let error = try #require(Self.refusal {
            try daemon.client().upsertWebhook(["code": "SNEAKY", "url": "https://example.test/hook", "auth_type": "bearer",
                                               "credential": ["source": "env", "ref": .string(reference)]])
        })
        #expect(error.code == -32602)
        #expect(error.message.contains(reason), "\(error.message)")
        #expect(error.details["parameter"] == "credential.ref")
        #expect(!error.message.contains(Self.ownSecret))
        #expect(Self.refusal { try daemon.client().call("webhook.get", params: ["code": "SNEAKY"]) }?.code == -32002, "nothing was stored")
    }

    @Test func anAllowPatternAdmitsAVariable() throws {
        let daemon = try Self.daemon(directory: try TestEnvironment.makeTemporaryDirectory())
        _ = try daemon.client().upsertWebhook(["code": "STRIPE", "url": "https://example.test/hook", "auth_type": "bearer",
                                               "credential": ["source": "env", "ref": "STRIPE_LIVE_KEY"]])
        #expect(try daemon.client().credential(code: "STRIPE")["credential"]?["token"] == "sk_fake_allowed_by_pattern_1")
    }

    /// A file written after the webhook was registered, holding hookd's own secret: refused at read
    /// time (defence in depth), by `credential.get` and by `validate.one`, and never sent anywhere.
    @Test func aFileThatHoldsAnOwnSecretIsRefusedAtReadTime() throws {
        let directory = try TestEnvironment.makeTemporaryDirectory()
        let endpoints = try ValidationTests.Endpoints()
        let daemon = try Self.daemon(directory: directory)
        _ = try daemon.client().upsertWebhook(["code": "FILED", "url": .string("\(endpoints.http)/status/200"), "auth_type": "bearer",
                                               "credential": ["source": "file", "ref": "filed-token"], "allow_insecure_http": true])
        try "\(Self.ownSecret)\n".write(toFile: "\(directory)/webhook-credentials/filed-token", atomically: true, encoding: .utf8)
        let error = try #require(Self.refusal { try daemon.client().credential(code: "FILED") })
        #expect(error.code == -32005, "\(error.message)")  // credential_unavailable
        #expect(error.message.contains("hookd's own secrets"))
        #expect(!error.message.contains(Self.ownSecret))
        let result = try daemon.client().call("validate.one", params: ["code": "FILED"])
        #expect(result["status"] != "VALID", "\(result.compactText)")
        #expect(!result.compactText.contains(Self.ownSecret))
        #expect(endpoints.requests().isEmpty, "no request carried the secret anywhere")
    }

    /// `$CREDENTIALS_DIRECTORY` is where systemd puts hookd's own secrets: webhook files never come from it.
    @Test func credentialsDirectoryIsNotAWebhookSource() throws {
        let directory = try TestEnvironment.makeTemporaryDirectory()
        let systemdCredentials = "\(directory)/systemd-credentials"
        try FileManager.default.createDirectory(atPath: systemdCredentials, withIntermediateDirectories: true)
        try "rk-from-systemd-credentials".write(toFile: "\(systemdCredentials)/webhook-pd-out", atomically: true, encoding: .utf8)
        let daemon = try DaemonProcess(environment: ProcessInfo.processInfo.environment.merging(["CREDENTIALS_DIRECTORY": systemdCredentials]) { $1 },
                                       directory: directory)
        let error = try #require(Self.refusal {
            try daemon.client().upsertWebhook(["code": "PD", "url": "https://example.test/hook", "auth_type": "bearer",
                                               "credential": ["source": "file"]])
        })
        #expect(error.code == -32602)
        #expect(error.message.contains("credentials.file_dir is not configured"), "\(error.message)")
    }

    /// Creating a webhook and changing its URL or credential leave audit lines naming the caller.
    @Test func urlAndCredentialChangesAreAudited() throws {
        let directory = try TestEnvironment.makeTemporaryDirectory()
        let daemon = try Self.daemon(directory: directory)
        let client = daemon.client()
        let base: JSONObject = ["code": "AUDITED", "url": "https://example.test/a", "auth_type": "bearer",
                                "credential": ["source": "env", "ref": "HOOKD_CRED_AUDITED"]]
        func with(_ changes: JSONObject) -> JSONObject {
            var definition = base
            for member in changes { definition[member.key] = member.value }
            return definition
        }
        _ = try client.upsertWebhook(base)
        _ = try client.upsertWebhook(with(["timeout_seconds": 9]))  // neither url nor credential: no line
        _ = try client.upsertWebhook(with(["url": "https://example.test/b"]))
        _ = try client.upsertWebhook(with(["url": "https://example.test/b", "credential": ["source": "env", "ref": "HOOKD_CRED_OTHER"]]))
        let path = "\(directory)/state/log/audit.log"
        var lines: [JSONValue] = []
        #expect(TestEnvironment.wait(seconds: 5) {
            let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
            lines = text.split(separator: "\n").compactMap { try? JSONValue.parse(String($0)) }.filter { $0["event"] == "webhook.upsert" }
            return lines.count >= 3
        }, "the audit log \(path) has the three change lines")
        #expect(lines.map { $0["changed"] ?? .null } == [["url", "credential"], ["url"], ["credential"]])
        #expect(lines.map { $0["created"] ?? .null } == [true, false, false])
        for line in lines {
            #expect(line["uid"] == .integer(Int64(getuid())))
            #expect(line["pid"] == .integer(Int64(getpid())))
            #expect(line["code"] == "AUDITED")
        }
    }
}

/// Item 7: a fetch that began before an invalidation never puts the old value back.
struct InvalidationRaceTests {
    /// Infisical answers reads 1.5 s after reading the value. A `credential.get` starts (old value on its way),
    /// the secret is rotated and invalidated; the next `credential.get` returns the new value, and
    /// so does every later one: the slow fetch wrote neither L1 nor Redis.
    @Test(arguments: [false, true])
    func aRotationDuringASlowFetchIsNotUndone(withRedis: Bool) throws {
        let setup = try CredentialTests.Setup(withRedis: withRedis)
        // Logged in and read once, then forgotten: the slow fetch below is a read only.
        _ = try setup.client.credential(code: "STRIPE")
        _ = try setup.client.invalidateCredentials(code: "STRIPE")
        try setup.infisical.configure(["readAnswerDelayMs": 1500])  // the old value, read now, arrives late
        let slow = Atomic(0)
        let slowValue = Mutex<JSONValue?>(nil)
        let client = setup.daemon.client()
        let thread = Thread {
            slowValue.withLock { $0 = try? client.credential(code: "STRIPE")["credential"]?["token"] }
            slow.increment()
        }
        thread.start()
        usleep(500_000)  // the slow fetch is under way (its read waits in the fixture)
        try setup.infisical.setSecret("STRIPE_SECRET", "sk_rotated_after_fetch_began")
        #expect(try setup.client.invalidateCredentials(code: "STRIPE") == 0, "the slow fetch has stored nothing yet")
        let next = try setup.client.credential(code: "STRIPE")
        #expect(next["credential"]?["token"] == "sk_rotated_after_fetch_began", "the next call does not join the old fetch")
        #expect(TestEnvironment.wait(seconds: 10) { slow.value == 1 })
        #expect(slowValue.withLock { $0 } == .string(CredentialTests.secretValue), "the call that began before the rotation got the old value")
        try setup.infisical.configure(["readAnswerDelayMs": 0])
        for _ in 0..<3 {
            let later = try setup.client.credential(code: "STRIPE")
            #expect(later["credential"]?["token"] == "sk_rotated_after_fetch_began")
        }
        if withRedis {
            // A second hookd on the same Redis and Infisical sees the new value in L2, not the old one.
            let second = try CredentialTests.Setup(withRedis: true, directory: try TestEnvironment.makeTemporaryDirectory(),
                                                   infisical: setup.infisical, redis: setup.redis, socketName: "second.sock")
            let fromSecond = try second.client.credential(code: "STRIPE")
            #expect(fromSecond["credential"]?["token"] == "sk_rotated_after_fetch_began")
        }
    }
}

/// Item 8: a storm of 401 reports cannot become a storm of invalidations.
struct InvalidationStormTests {
    /// 2000 `alert.record` 401s for 2000 codes in about a second: the invalidations hookd
    /// publishes on Redis stay within `credentials.max_invalidations_per_second` (20) plus its burst.
    @Test func authFailuresForManyCodesAreInvalidatedAtTheConfiguredRate() throws {
        let directory = try TestEnvironment.makeTemporaryDirectory()
        let redis = try RedisServer(directory: directory)
        let daemon = try DaemonProcess(configuration: redis.configuration, directory: directory)
        let subscriber = try ChildProcess(executable: "/usr/bin/redis-cli", arguments: ["-s", redis.socketPath, "SUBSCRIBE", "hookd:invalidate"],
                                          outputPath: "\(directory)/invalidations.out")
        defer { subscriber.stop() }
        #expect(TestEnvironment.wait(seconds: 5) { subscriber.output.contains("subscribe") })
        let connection = try RawConnection(path: daemon.socketPath)
        let started = Date()
        var lines = ""
        for index in 0..<2000 {
            lines += #"{"jsonrpc":"2.0","method":"alert.record","params":{"webhook_code":"STORM_\#(index)","success":false,"status_code":401,"duration":0.1}}"# + "\n"
            if index % 200 == 199 {
                try connection.send(lines)
                lines = ""
                usleep(100_000)
            }
        }
        try connection.send(#"{"jsonrpc":"2.0","method":"system.echo","params":{"value":"done"},"id":1}"# + "\n")
        _ = try connection.readLine()
        usleep(1_000_000)  // let the last publications arrive
        let elapsed = Date().timeIntervalSince(started)
        let published = subscriber.output.split(separator: "\n").filter { $0.contains("STORM_") }.count
        #expect(published >= 20, "invalidations still happen: \(published)")
        #expect(Double(published) <= 20 + 20 * elapsed + 5, "\(published) invalidations in \(String(format: "%.1f", elapsed)) s")
        #expect(daemon.child.isRunning)
    }
}

/// Item 12: a full disk degrades the logs, never the daemon, and they recover by themselves.
struct FullDiskTests {
    /// The audit log and the webhook log on a 2 MiB tmpfs that fills up: hookd keeps serving,
    /// `system.health` says which log fails and why (and counts dropped lines), and once space
    /// returns the logs are written again and health is ok. Needs root to mount the tmpfs.
    @Test func aFullDiskDegradesTheLogsAndTheyRecover() throws {
        guard geteuid() == 0 else {
            print("skipped: mounting a tmpfs needs root")
            return
        }
        let directory = try TestEnvironment.makeTemporaryDirectory()
        let disk = "\(directory)/tiny"
        try FileManager.default.createDirectory(atPath: disk, withIntermediateDirectories: true)
        let mount = try ChildProcess(executable: "/bin/mount", arguments: ["-t", "tmpfs", "-o", "size=2m", "tmpfs", disk],
                                     outputPath: "\(directory)/mount.out")
        try #require(mount.waitForExit(seconds: 10) == 0, "mount: \(mount.output)")
        defer {
            let unmount = try? ChildProcess(executable: "/bin/umount", arguments: ["-l", disk], outputPath: "\(directory)/umount.out")
            _ = unmount?.waitForExit(seconds: 10)
        }
        var environment = ProcessInfo.processInfo.environment
        environment["HOOKD_CRED_DISK_OUT"] = "tok_disk_test_1"
        let daemon = try DaemonProcess(configuration: """
            audit:
              path: \(disk)/audit.log
              max_queue_bytes: 65536
            structured_logging:
              file: \(disk)/webhooks.jsonl

            """, environment: environment, directory: directory)
        let client = daemon.client()
        _ = try client.upsertWebhook(["code": "DISK", "url": "https://example.test/hook", "auth_type": "bearer", "credential": ["source": "env"]])
        // Fill the disk.
        let filler = "\(disk)/filler"
        let fill = try ChildProcess(executable: "/bin/dd", arguments: ["if=/dev/zero", "of=\(filler)", "bs=4096"], outputPath: "\(directory)/dd.out")
        _ = fill.waitForExit(seconds: 10)
        for index in 0..<600 {
            _ = try client.credential(code: "DISK")
            _ = try client.call("log.request", params: ["webhook_code": "DISK", "method": "POST", "url": "https://example.test/hook",
                                                        "payload": ["n": .integer(Int64(index))]])
        }
        // The writer formats and writes queued lines every 100 ms, so the drops come a tick after the calls.
        var health: JSONValue = .null
        #expect(TestEnvironment.wait(seconds: 5) {
            health = (try? client.health()).map(JSONValue.object) ?? .null
            return health["components"]?["audit_log"]?["status"] == "degraded"
                && health["components"]?["audit_log"]?["detail"]?.stringValue?.contains("lines dropped") == true
        }, "\(health.compactText)")
        let auditDetail = health["components"]?["audit_log"]?["detail"]?.stringValue ?? ""
        #expect(auditDetail.contains("No space left on device"), "\(auditDetail)")
        #expect(auditDetail.contains("lines dropped"), "past max_queue_bytes the oldest lines are dropped and counted: \(auditDetail)")
        #expect(TestEnvironment.wait(seconds: 5) { (try? client.health())?["components"]?["structured_log"]?["status"] == "degraded" })
        #expect(try client.echo("still serving") == "still serving")
        #expect(daemon.child.isRunning)

        // Space returns: the logs are written again, with no action from anyone.
        try FileManager.default.removeItem(atPath: filler)
        _ = try client.credential(code: "DISK")
        var components: JSONValue? = nil
        #expect(TestEnvironment.wait(seconds: 5) {
            components = (try? client.health())?["components"]
            return components?["audit_log"]?["status"] == "ok" && components?["structured_log"]?["status"] == "ok"
        }, "\(components?.compactText ?? "no health")")
        let marker = "/recovered-\(UUID().uuidString.prefix(6))"
        _ = try client.call("log.request", params: ["webhook_code": "DISK", "method": "POST", "url": .string("https://example.test\(marker)")])
        #expect(TestEnvironment.wait(seconds: 5) {
            ((try? String(contentsOfFile: "\(disk)/webhooks.jsonl", encoding: .utf8)) ?? "").contains(marker)
        }, "a line written after recovery reaches the file")
    }
}

/// Item 5: no secret in answers or log lines, whether or not hookd has the credential cached.
struct SecretsInAnswersTests {
    @Test func alertConfigMasksTheSMTPPasswordInItsURL() throws {
        let daemon = try DaemonProcess(configuration: """
            smtp:
              url: smtp://mailer:smtp-pass-7Hq2@127.0.0.1:2525
              from: hookd@example.test
              to: [ops@example.test]

            """)
        let text = try daemon.client().call("alert.config", params: [:]).compactText
        #expect(!text.contains("smtp-pass-7Hq2"), "\(text)")
        #expect(text.contains("smtp://***MASKED***@127.0.0.1:2525"))
    }

    @Test func webhookGetAndListMaskURLSecretsAndSecretLookingHeaders() throws {
        let daemon = try DaemonProcess()
        let client = daemon.client()
        _ = try client.upsertWebhook(["code": "SLACK", "url": "https://hooks.slack.com/services/T0001/B0002/slackPathSecret42?token=qs-secret-1&channel=ops",
                                      "auth_type": "none", "headers": ["X-Session-Token": "hdr-secret-2", "X-Trace": "visible-value"]])
        _ = try client.upsertWebhook(["code": "DISCORD", "url": "https://discord.com/api/webhooks/123456/discordTokenSecret3", "auth_type": "none"])
        let slack = try client.call("webhook.get", params: ["code": "SLACK"])
        #expect(slack["url"] == "https://hooks.slack.com/services/***MASKED***?token=***MASKED***&channel=ops")
        #expect(slack["headers"]?["X-Session-Token"] == "***MASKED***")
        #expect(slack["headers"]?["X-Trace"] == "visible-value")
        #expect(try client.call("webhook.get", params: ["code": "DISCORD"])["url"] == "https://discord.com/api/webhooks/123456/***MASKED***")
        let list = try client.call("webhook.list", params: [:]).compactText
        for secret in ["slackPathSecret42", "qs-secret-1", "hdr-secret-2", "discordTokenSecret3"] {
            #expect(!list.contains(secret), "\(secret) in webhook.list")
        }
    }

    /// The webhook's token inside a custom header, logged before anything put the credential in
    /// the memory cache: the line must still mask it (hookd fetches the values first). Also a
    /// Basic credential in its base64 form.
    @Test func aLogLineMasksTheWebhooksOwnCredentialEvenWhenItIsNotCached() throws {
        var environment = ProcessInfo.processInfo.environment
        environment["HOOKD_CRED_UNCACHED_OUT"] = "tok_uncached_secret_9"
        environment["HOOKD_CRED_BASICS_OUT"] = #"{"username":"ops","password":"basic-pass-8"}"#
        let daemon = try DaemonProcess(environment: environment)
        let client = daemon.client()
        _ = try client.upsertWebhook(["code": "UNCACHED", "url": "https://example.test/a", "auth_type": "bearer", "credential": ["source": "env"]])
        _ = try client.upsertWebhook(["code": "BASICS", "url": "https://example.test/b", "auth_type": "basic", "credential": ["source": "env"]])
        let encoded = Data("ops:basic-pass-8".utf8).base64EncodedString()
        let first = try client.call("log.request", params: ["webhook_code": "UNCACHED", "method": "POST", "url": "https://example.test/a",
                                                            "headers": ["X-Note": "contains tok_uncached_secret_9"]])
        #expect(first["guid"]?.stringValue != nil)
        _ = try client.call("log.response", params: ["webhook_code": "UNCACHED", "guid": first["guid"] ?? .null, "status_code": 500,
                                                     "response_body": "echo: tok_uncached_secret_9", "duration": 0.2, "success": false])
        _ = try client.call("log.request", params: ["webhook_code": "BASICS", "method": "POST", "url": "https://example.test/b",
                                                    "headers": ["X-Forwarded-Auth": .string("Basic \(encoded)")]])
        let path = "\(daemon.directory)/state/log/webhooks.jsonl"
        var text = ""
        #expect(TestEnvironment.wait(seconds: 5) {
            text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
            return text.split(separator: "\n").count >= 3
        }, "the three lines reach \(path)")
        #expect(!text.contains("tok_uncached_secret_9"), "\(text)")
        #expect(!text.contains(encoded))
        #expect(!text.contains("basic-pass-8"))
        #expect(text.contains("***MASKED***"))
    }
}

/// Item 3: hookd's directories and socket cannot be prepared by someone else.
struct DirectoryOwnershipTests {
    static func start(_ arguments: [String], in directory: String) throws -> (status: Int32?, output: String) {
        let child = try ChildProcess(executable: TestEnvironment.hookdPath, arguments: arguments,
                                     outputPath: "\(directory)/hookd-\(UUID().uuidString.prefix(4)).log")
        return (child.waitForExit(seconds: 10), child.output)
    }

    @Test func aStateDirectoryOthersCanWriteIsRefused() throws {
        let directory = try TestEnvironment.makeTemporaryDirectory()
        let state = "\(directory)/state"
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o777])
        #expect(chmod(state, 0o777) == 0)
        let (status, output) = try Self.start(["--socket", "\(directory)/hookd.sock", "--state-dir", state], in: directory)
        #expect(status == 69, "\(output)")
        #expect(output.contains("refusing \(state) as the state directory: it is writable by"), "\(output)")
    }

    @Test func aSocketDirectoryOfAnotherUserOrOpenToAllIsRefused() throws {
        let directory = try TestEnvironment.makeTemporaryDirectory()
        // /tmp itself: world-writable (sticky); anyone could have placed something there.
        let (status, output) = try Self.start(["--socket", "/tmp/hookd-\(UUID().uuidString.prefix(6)).sock", "--state-dir", "\(directory)/state"], in: directory)
        #expect(status == 69, "\(output)")
        #expect(output.contains("as the socket directory: it is writable by its group and others"), "\(output)")
        guard geteuid() == 0 else {
            print("skipped the other-owner half: needs root to give a directory to another uid")
            return
        }
        let foreign = "\(directory)/foreign"
        try FileManager.default.createDirectory(atPath: foreign, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        #expect(chown(foreign, 65534, 65534) == 0)
        let (foreignStatus, foreignOutput) = try Self.start(["--socket", "\(foreign)/hookd.sock", "--state-dir", "\(directory)/state"], in: directory)
        #expect(foreignStatus == 69, "\(foreignOutput)")
        #expect(foreignOutput.contains("it belongs to uid 65534"), "\(foreignOutput)")
    }

    /// The socket appears with its configured mode at once (bound in a private directory, then
    /// renamed into place), and nothing of the private directory is left behind.
    @Test func theSocketAppearsWithItsModeAndNoLeftovers() throws {
        let daemon = try DaemonProcess(configuration: "hookd:\n  socket_mode: \"0620\"\n")
        var status = stat()
        try #require(lstat(daemon.socketPath, &status) == 0)
        #expect(status.st_mode & S_IFMT == S_IFSOCK)
        #expect(status.st_mode & 0o777 == 0o620)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: daemon.directory).filter { $0.hasPrefix(".hookd-") }
        #expect(leftovers.isEmpty, "\(leftovers)")
        #expect(try daemon.client().echo("mode") == "mode")
    }
}

/// Item 3, clients: the Swift client (and hookrpc on it) sends no secret-bearing call to a
/// server that runs as neither root nor the caller, unless HOOKD_TRUSTED_UID names it.
struct TrustedServerTests {
    @Test func aHookdOfAnotherUserGetsNoSecretBearingCallUntilTrusted() throws {
        guard geteuid() == 0 else {
            print("skipped: needs root to run hookd as another uid (setpriv)")
            return
        }
        let directory = try TestEnvironment.makeTemporaryDirectory()
        #expect(chown(directory, 65534, 65534) == 0)
        let daemon = try DaemonProcess(configuration: "hookd:\n  socket_mode: \"0666\"\n",
                                       launcher: ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"], directory: directory)
        #expect(try daemon.client().echo("not secret-bearing") == "not secret-bearing")
        let refused = #expect(throws: HookClientError.self) { try daemon.client().credential(code: "STRIPE") }
        guard case .untrustedServer(_, let userID, let method)? = refused else {
            Issue.record("expected untrustedServer, got \(String(describing: refused))")
            return
        }
        #expect(userID == 65534 && method == "credential.get")
        func hookrpc(_ environment: [String: String]) throws -> (Int32?, String) {
            let child = try ChildProcess(executable: TestEnvironment.hookrpcPath,
                                         arguments: ["call", "credential.get", #"{"code":"STRIPE"}"#, "--socket", daemon.socketPath],
                                         environment: ProcessInfo.processInfo.environment.merging(environment) { $1 },
                                         outputPath: "\(directory)/hookrpc-\(UUID().uuidString.prefix(4)).out")
            return (child.waitForExit(seconds: 15), child.output)
        }
        let (status, output) = try hookrpc([:])
        #expect(status == 3, "\(output)")
        #expect(output.contains("refusing to call credential.get") && output.contains("HOOKD_TRUSTED_UID=65534"), "\(output)")
        let (trustedStatus, trustedOutput) = try hookrpc(["HOOKD_TRUSTED_UID": "65534"])
        #expect(trustedStatus == 1, "sent and answered (no such webhook): \(trustedOutput)")
        #expect(trustedOutput.contains("-32002") || trustedOutput.contains("-32001"), "\(trustedOutput)")
    }
}

/// Item 13 (in part): the codes alerting tracks are bounded.
struct AlertCodeBoundTests {
    /// With `webhooks.alerting.max_codes: 50`, calls for 100 distinct codes: the first 50 are
    /// tracked, the rest get -32004 with `reason: too_many_codes`; tracked codes still record.
    @Test func codesPastTheBoundAreRefusedWithTooManyCodes() throws {
        let daemon = try DaemonProcess(configuration: "webhooks:\n  alerting:\n    max_codes: 50\n")
        let connection = try RawConnection(path: daemon.socketPath)
        var lines = ""
        for index in 0..<100 {
            lines += #"{"jsonrpc":"2.0","method":"alert.record","params":{"webhook_code":"BOUND_\#(index)","success":true,"duration":0.1},"id":\#(index)}"# + "\n"
        }
        try connection.send(lines)
        var refused = 0
        var recorded = 0
        for _ in 0..<100 {
            let reply = try JSONValue.parse(#require(try connection.readLine()))
            if reply["error"]?["code"] == -32004 {
                #expect(reply["error"]?["data"]?["reason"] == "too_many_codes")
                #expect(reply["error"]?["data"]?["limit"] == 50)
                refused += 1
            } else if reply["result"]?["recorded"] == true {
                recorded += 1
            }
        }
        #expect(recorded == 50 && refused == 50, "recorded \(recorded), refused \(refused)")
        let again = try daemon.client().call("alert.record", params: ["webhook_code": "BOUND_0", "success": false, "duration": 0.1])
        #expect(again["recorded"] == true)
    }
}
