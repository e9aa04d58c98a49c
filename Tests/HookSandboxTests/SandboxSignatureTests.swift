import Foundation
import HookCore
import HookJSON
import HookSandbox
import Hummingbird
import HummingbirdTesting
import Testing

/// With `scheme` and `secret` in its script, an endpoint's captures get the sandbox's own signature
/// verdict when hookd is not configured or not reachable; the secret never comes back out.
@Suite struct SandboxSignatureTests {
    /// Fake secrets in each provider's form.
    static let gitHubSecret = "gh_fake_sandbox_secret_0123456789"
    static let stripeSecret = "whsec_fake_sandbox_secret_0123456789"
    static let twilioSecret = "0000fa4e0000fa4e0000fa4e0000fa4e"

    /// The headers `scheme`'s provider would send for `body`, signed with `secret`.
    static func signed(
        _ scheme: SignatureScheme, secret: String, body: String, timestamp: Int = Int(Date().timeIntervalSince1970), url: String? = nil,
        params: [(String, String)]? = nil
    ) throws -> HTTPFields {
        let keys = SigningKeys(current: try SigningKey(secret: secret, scheme: scheme))
        let headers = try WebhookSigner.headers(
            scheme: scheme, keys: keys, messageID: "msg_fake_1", timestamp: timestamp, body: Array(body.utf8), url: url, params: params)
        var fields: HTTPFields = [.contentType: "application/json"]
        for header in headers { fields[HTTPFields.Element.Name(header.name)!] = header.value }
        return fields
    }

    static func gitHubScript(code: String? = nil) -> String {
        let code = code.map { #", "code": "\#($0)""# } ?? ""
        return #"{"scheme": "github", "secret": "\#(gitHubSecret)"\#(code)}"#
    }

    @Test func aGitHubRequestSignedWithTheScriptsSecretIsValidWithoutHookd() async throws {
        let fixture = try SandboxFixture()
        defer { fixture.remove() }
        try await fixture.application().test(.router) { client in
            #expect(try await client.setScript("github", Self.gitHubScript()).status == .ok)
            let body = #"{"action":"opened","number":7}"#
            _ = try await client.send("/in/github", body: body, headers: try Self.signed(.github, secret: Self.gitHubSecret, body: body))
            let signature = try await client.captures().first?["signature"]
            #expect(signature?["valid"] == true)
            #expect(signature?["reason"] == .null)
            #expect(signature?["checked_by"] == "sandbox")
        }
    }

    @Test func aTamperedGitHubRequestIsABadSignature() async throws {
        let fixture = try SandboxFixture()
        defer { fixture.remove() }
        try await fixture.application().test(.router) { client in
            try await client.setScript("github", Self.gitHubScript())
            let headers = try Self.signed(.github, secret: Self.gitHubSecret, body: #"{"amount":1}"#)
            _ = try await client.send("/in/github", body: #"{"amount":1000}"#, headers: headers)
            let signature = try await client.captures().first?["signature"]
            #expect(signature?["valid"] == false)
            #expect(signature?["reason"] == "bad_signature")
            #expect(signature?["checked_by"] == "sandbox")
        }
    }

    @Test func aStripeRequestSignedTenMinutesAgoIsOutOfTolerance() async throws {
        let fixture = try SandboxFixture()
        defer { fixture.remove() }
        try await fixture.application().test(.router) { client in
            try await client.setScript("stripe", #"{"scheme": "stripe", "secret": "\#(Self.stripeSecret)"}"#)
            let body = #"{"id":"evt_fake_1","type":"charge.failed"}"#
            let stale = Int(Date().timeIntervalSince1970) - 600
            _ = try await client.send("/in/stripe", body: body, headers: try Self.signed(.stripe, secret: Self.stripeSecret, body: body, timestamp: stale))
            let fresh = try Self.signed(.stripe, secret: Self.stripeSecret, body: body)
            _ = try await client.send("/in/stripe", body: body, headers: fresh)
            _ = try await client.send("/in/stripe", body: body, headers: fresh)
            let reasons = try await client.captures().compactMap { $0["signature"]?["reason"] }
            #expect(reasons == [.null, .null, "timestamp_out_of_tolerance"], "newest first; a repeat is not refused: no replay protection")
        }
    }

    @Test func aTwilioFormPostIsCheckedAgainstTheFullURLAndItsFields() async throws {
        let fixture = try SandboxFixture()
        defer { fixture.remove() }
        try await fixture.application().test(.live) { client in
            try await client.setScript("sms", #"{"scheme": "twilio", "secret": "\#(Self.twilioSecret)"}"#)
            let port = try #require(client.port)
            let params = [("Body", "fake hello"), ("From", "+15550000000")]
            let body = String(decoding: FormEncoding.body(params), as: UTF8.self)
            let url = "http://127.0.0.1:\(port)/in/sms/inbound?x=1"
            let signature = try #require(try Self.signed(.twilio, secret: Self.twilioSecret, body: body, url: url, params: params)[
                HTTPFields.Element.Name("X-Twilio-Signature")!])
            let reply = try await onThread { () -> String in
                let socket = try LoopbackSocket(port: port)
                try socket.write(
                    "POST /in/sms/inbound?x=1 HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                        + "X-Twilio-Signature: \(signature)\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
                return String(decoding: socket.read(timeoutSeconds: 10) { String(decoding: $0, as: UTF8.self).contains("{\"ok\":true}") }.bytes, as: UTF8.self)
            }
            #expect(reply.hasPrefix("HTTP/1.1 200"), "got: \(reply)")
            let verdict = try await client.captures().first?["signature"]
            #expect(verdict?["valid"] == true, "got \(verdict?.compactText ?? "nil")")
            #expect(verdict?["checked_by"] == "sandbox")
        }
    }

    @Test func anUnreachableHookdFallsBackToTheSandboxsCheck() async throws {
        let socket = NSTemporaryDirectory() + "hooksandbox-no-hookd-\(UUID().uuidString.prefix(8)).sock"
        let fixture = try SandboxFixture(verifier: HookdSignatureVerifier(socketPath: socket, timeoutSeconds: 2))
        defer { fixture.remove() }
        try await fixture.application().test(.router) { client in
            try await client.setScript("github", Self.gitHubScript(code: "GITHUB_IN"))
            try await client.setScript("nosecret", #"{"code": "GITHUB_IN"}"#)
            let body = #"{"zen":"fake"}"#
            let headers = try Self.signed(.github, secret: Self.gitHubSecret, body: body)
            _ = try await client.send("/in/github", body: body, headers: headers)
            _ = try await client.send("/in/nosecret", body: body, headers: headers)
            let withSecret = try await client.captures("?endpoint=github").first?["signature"]
            #expect(withSecret?["valid"] == true)
            #expect(withSecret?["checked_by"] == "sandbox")
            let without = try await client.captures("?endpoint=nosecret").first?["signature"]
            #expect(without?["valid"] == false)
            #expect(without?["reason"]?.stringValue?.hasPrefix("hookd_error:") == true, "no secret to fall back on: why there is no verdict")
            #expect(without?["checked_by"] == "hookd")
        }
    }

    @Test func hookdsVerdictWinsWhenHookdAnswers() async throws {
        let verifier = RecordingVerifier()
        let fixture = try SandboxFixture(verifier: verifier)
        defer { fixture.remove() }
        try await fixture.application().test(.router) { client in
            try await client.setScript("github", Self.gitHubScript(code: "GITHUB_IN"))
            let body = #"{"zen":"fake"}"#
            _ = try await client.send("/in/github", body: body, headers: try Self.signed(.github, secret: Self.gitHubSecret, body: body))
            let signature = try await client.captures().first?["signature"]
            #expect(signature?["reason"] == "bad_signature", "the recording verifier's answer, not the sandbox's")
            #expect(signature?["checked_by"] == "hookd")
            #expect(verifier.calls.count == 1)
        }
    }

    @Test func theSecretNeverComesBackFromTheAPIOrThePages() async throws {
        let fixture = try SandboxFixture()
        defer { fixture.remove() }
        try await fixture.application().test(.router) { client in
            let echoed = try await client.setScript("github", Self.gitHubScript())
            #expect(echoed.json["script"]?["secret"]?.stringValue == Masker.mask)
            #expect(!echoed.text.contains(Self.gitHubSecret))
            let body = #"{"zen":"fake"}"#
            _ = try await client.send("/in/github", body: body, headers: try Self.signed(.github, secret: Self.gitHubSecret, body: body))

            let endpoints = try await client.execute(uri: "/api/endpoints", method: .get)
            #expect(endpoints.json["endpoints"]?.arrayValue?.first?["script"] == ["scheme": "github", "secret": .string(Masker.mask)])
            #expect(!endpoints.text.contains(Self.gitHubSecret))
            for page in ["/", "/?endpoint=github", "/captures/1", "/api/captures", "/api/captures/1"] {
                let text = try await client.execute(uri: page, method: .get).text
                #expect(!text.contains(Self.gitHubSecret), "\(page) shows the secret")
            }
            #expect(try await client.execute(uri: "/", method: .get).text.contains("valid</span> <small class=\"checked-by\">(sandbox)</small>"))
        }
    }

    @Test func aScriptedSecretIsNotLoggedByTheBinary() throws {
        let directory = NSTemporaryDirectory() + "hooksandbox-secret-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let scripts = directory + "/scripts.yaml"
        try "github:\n  scheme: github\n  secret: \(Self.gitHubSecret)\n".write(toFile: scripts, atomically: true, encoding: .utf8)
        let port = try SandboxProcess.freePort()
        let process = try SandboxProcess(
            arguments: ["--listen", "127.0.0.1:\(port)", "--data", directory + "/data", "--scripts", scripts], directory: directory)
        defer { process.stop() }
        try process.waitUntilListening(port: port, timeoutSeconds: 30)

        let body = #"{"zen":"fake"}"#
        let signature = try #require(try Self.signed(.github, secret: Self.gitHubSecret, body: body)[HTTPFields.Element.Name("X-Hub-Signature-256")!])
        let sender = try LoopbackSocket(port: port)
        try sender.write("POST /in/github HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Hub-Signature-256: \(signature)\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
        _ = sender.read(timeoutSeconds: 10) { String(decoding: $0, as: UTF8.self).contains("{\"ok\":true}") }
        let script = #"{"scheme": "github", "secret": "gh_fake_short"}"#
        let refused = try LoopbackSocket(port: port)
        try refused.write("POST /api/endpoints/other/script HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: \(script.utf8.count)\r\n\r\n\(script)")
        let refusal = String(decoding: refused.read(timeoutSeconds: 10) { String(decoding: $0, as: UTF8.self).contains("}}") }.bytes, as: UTF8.self)
        #expect(refusal.hasPrefix("HTTP/1.1 400") && !refusal.contains("gh_fake_short"), "got: \(refusal)")
        let reader = try LoopbackSocket(port: port)
        try reader.write("GET /api/captures HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        let captures = String(decoding: reader.read(timeoutSeconds: 10).bytes, as: UTF8.self)
        #expect(captures.contains(#""valid":true"#) && captures.contains(#""checked_by":"sandbox""#), "got: \(captures)")

        process.stop()
        #expect(!process.output.isEmpty, "the binary logs at start")
        #expect(!process.output.contains(Self.gitHubSecret), "the log holds the secret: \(process.output)")
    }

    @Test func aScriptsFileThatIsNotYAMLIsRefusedWithoutQuotingItsLines() throws {
        let line = "  secret: \"\(Self.gitHubSecret)\" oops\n"
        #expect(throws: SandboxScriptFile.LoadError.self) { try SandboxScriptFile.parse("github:\n  scheme: github\n" + line, path: "s.yaml") }
        do {
            _ = try SandboxScriptFile.parse("github:\n  scheme: github\n" + line, path: "s.yaml")
        } catch {
            #expect(error.description.contains("line") || error.description.contains(":"), "says where: \(error.description)")
            #expect(!error.description.contains(Self.gitHubSecret), "got: \(error.description)")
        }
    }
}
