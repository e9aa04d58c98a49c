import Foundation
import HookClient
import HookJSON
import HookTestSupport
import Testing

/// Credential validation against real local endpoints (Tests/Fixtures/validation_endpoints.py,
/// plain HTTP and HTTPS with a self-signed certificate) through a real hookd and hookrpc.
struct ValidationTests {
    static let bearer = "tok_fake_validation_5d1c"
    static let password = "pw_fake_validation_93ab"
    static let apiKey = "key_fake_validation_77e0"
    static let stripeSecret = "whsec_fakeValidationSecret01"

    /// The endpoint fixture: HTTP on `port`, HTTPS on `tlsPort`, its certificate in `certificate`.
    final class Endpoints {
        let fixture: PortFileFixture
        let tlsPort: Int
        var certificate: String { fixture.directory + "/cert.pem" }
        var http: String { "http://127.0.0.1:\(fixture.port)" }
        var https: String { "https://127.0.0.1:\(tlsPort)" }

        init() throws {
            fixture = try PortFileFixture(name: "endpoints", executable: "/usr/bin/env",
                                          arguments: ["python3", PortFileFixture.fixtures + "/validation_endpoints.py", "--port", "0"])
            let text = try String(contentsOfFile: fixture.directory + "/tls_port", encoding: .utf8)
            tlsPort = try #require(Int(text.trimmingCharacters(in: .whitespacesAndNewlines)))
        }

        func expect(_ name: String, _ body: JSONObject) throws {
            _ = try HTTPControl.call("PUT", "\(http)/__test__/auth/\(name)", .object(body))
        }

        func requests() -> [JSONValue] {
            (try? HTTPControl.call("GET", "\(http)/__test__/requests"))?.arrayValue ?? []
        }

        deinit { fixture.stop() }
    }

    private func upsert(_ client: HookClient, _ fields: JSONObject) throws {
        _ = try client.call("webhook.upsert", params: fields)
    }

    private func validate(_ client: HookClient, _ code: String, direction: String = "OUT") throws -> JSONValue {
        try client.call("validate.one", params: ["code": .string(code), "direction": .string(direction)])
    }

    private func hookrpc(_ arguments: [String], in directory: String, environment: [String: String]? = nil) throws -> (status: Int32?, output: String) {
        let child = try ChildProcess(executable: TestEnvironment.hookrpcPath, arguments: arguments, environment: environment,
                                     outputPath: "\(directory)/hookrpc-\(UUID().uuidString.prefix(6)).out")
        return (child.waitForExit(seconds: 30), child.output)
    }

    @Test func eachEndpointAnswerMapsToItsStatus() throws {
        let endpoints = try Endpoints()
        let daemon = try DaemonProcess(configuration: TestEnvironment.loopbackAllowed)
        let client = daemon.client()
        let cases: [(String, String, String, String)] = [
            ("S200", "/status/200", "VALID", "Endpoint accessible - 200"),
            ("S301", "/status/301", "VALID", "Endpoint accessible - 301"),
            ("S401", "/status/401", "INVALID", "Authentication failed - 401"),
            ("S403", "/status/403", "INVALID", "Authentication failed - 403"),
            ("S404", "/status/404", "INVALID", "Endpoint not found - 404"),
            ("S410", "/status/410", "INVALID", "Endpoint not found - 410"),
            ("S418", "/status/418", "VALID", "Endpoint reachable, credential not refused - 418"),
            ("S429", "/status/429", "ERROR", "Rate limited - 429; try again later"),
            ("S500", "/status/500", "ERROR", "Endpoint error - 500"),
        ]
        for (code, path, status, message) in cases {
            try upsert(client, ["code": .string(code), "url": .string(endpoints.http + path), "auth_type": "none"])
            let result = try validate(client, code)
            #expect(result["status"] == .string(status), "\(code): \(result.compactText)")
            #expect(result["message"] == .string(message), "\(code)")
            #expect(result["details"]?["method"] == "HEAD")
            #expect(result["details"]?["status_code"] == .integer(Int64(path.suffix(3)) ?? 0))
            #expect(result["details"]?["latency_ms"]?.doubleValue != nil)
        }
        #expect(try client.call("alert.metrics", params: [:])["webhooks"] == [], "validation records nothing into alert metrics")
    }

    @Test func aHeadAnsweredWith405IsRetriedAsGet() throws {
        let endpoints = try Endpoints()
        let daemon = try DaemonProcess(configuration: TestEnvironment.loopbackAllowed)
        try upsert(daemon.client(), ["code": "NOHEAD", "url": .string(endpoints.http + "/head-not-allowed"), "auth_type": "none"])
        let result = try validate(daemon.client(), "NOHEAD")
        #expect(result["status"] == "VALID")
        #expect(result["details"]?["method"] == "GET")
        let methods = endpoints.requests().filter { $0["path"] == "/head-not-allowed" }.compactMap { $0["method"]?.stringValue }
        #expect(methods == ["HEAD", "GET"])
    }

    @Test func aHangAClosedPortAndAnUntrustedCertificateAreErrors() throws {
        let endpoints = try Endpoints()
        let closed = try LoopbackPort.unused()
        let daemon = try DaemonProcess(configuration: TestEnvironment.loopbackAllowed)
        let client = daemon.client()
        try upsert(client, ["code": "HANG", "url": .string(endpoints.http + "/hang"), "auth_type": "none", "timeout_seconds": 1])
        try upsert(client, ["code": "CLOSED", "url": .string("http://127.0.0.1:\(closed)/"), "auth_type": "none"])
        try upsert(client, ["code": "SELF_SIGNED", "url": .string(endpoints.https + "/status/200"), "auth_type": "none"])
        let started = Date()
        let hang = try validate(client, "HANG")
        #expect(Date().timeIntervalSince(started) < 5)
        #expect(hang["status"] == "ERROR")
        #expect(hang["message"]?.stringValue?.hasPrefix("Timed out") == true, "\(hang.compactText)")
        let refused = try validate(client, "CLOSED")
        #expect(refused["status"] == "ERROR")
        #expect(refused["message"]?.stringValue?.hasPrefix("Connection failed") == true, "\(refused.compactText)")
        let untrusted = try validate(client, "SELF_SIGNED")
        #expect(untrusted["status"] == "ERROR")
        #expect(untrusted["message"]?.stringValue?.contains("certificate") == true, "\(untrusted.compactText)")
    }

    @Test func theSelfSignedEndpointIsValidWhenItsCAIsConfigured() throws {
        let endpoints = try Endpoints()
        let daemon = try DaemonProcess(configuration: "validation:\n  ca_file: \(endpoints.certificate)\n" + TestEnvironment.loopbackAllowed)
        try upsert(daemon.client(), ["code": "PRIVATE_CA", "url": .string(endpoints.https + "/status/200"), "auth_type": "none"])
        try upsert(daemon.client(), ["code": "PRIVATE_CA_TOO", "url": .string(endpoints.https + "/status/204"), "auth_type": "none"])
        // Two checks of one host: each opens its own connection, so each knows the certificate.
        for code in ["PRIVATE_CA", "PRIVATE_CA_TOO", "PRIVATE_CA"] {
            let result = try validate(daemon.client(), code)
            #expect(result["status"] == "VALID", "\(result.compactText)")
            let days = try #require(result["details"]?["tls_expires_in_days"]?.doubleValue, "\(code): \(result.compactText)")
            #expect((28...30).contains(days), "the fixture's certificate lasts 30 days")
        }
    }

    @Test func credentialsAreAppliedAsTheirAuthTypeSays() throws {
        let endpoints = try Endpoints()
        try endpoints.expect("bearer", ["bearer": .string(Self.bearer)])
        try endpoints.expect("basic", ["basic": ["username": "ops", "password": .string(Self.password)]])
        try endpoints.expect("header", ["header": ["name": "X-Api-Key", "value": .string(Self.apiKey)]])
        try endpoints.expect("query", ["query": ["name": "api_key", "value": .string(Self.apiKey)]])
        let daemon = try DaemonProcess(configuration: TestEnvironment.loopbackAllowed)
        let client = daemon.client()
        func webhook(_ code: String, _ route: String, _ authType: String, _ value: JSONValue) throws {
            try upsert(client, ["code": .string(code), "url": .string("\(endpoints.http)/protected/\(route)"), "auth_type": .string(authType),
                                "credential": ["source": "database", "value": value], "allow_insecure_http": true])
        }
        try webhook("BEARER_OK", "bearer", "bearer", .string(Self.bearer))
        try webhook("BEARER_WRONG", "bearer", "bearer", "tok_fake_wrong_0000")
        try webhook("BASIC_OK", "basic", "basic", ["username": "ops", "password": .string(Self.password)])
        try webhook("HEADER_OK", "header", "api_key", ["name": "X-Api-Key", "value": .string(Self.apiKey), "in": "header"])
        try webhook("QUERY_OK", "query", "api_key", ["name": "api_key", "value": .string(Self.apiKey), "in": "query"])
        try webhook("QUERY_WRONG", "query", "api_key", ["name": "api_key", "value": "key_fake_wrong_0000", "in": "query"])
        try upsert(client, ["code": "NO_SECRET", "url": .string(endpoints.http + "/status/200"), "auth_type": "bearer",
                            "credential": ["source": "env", "ref": "HOOKD_CRED_TEST_ABSENT_VARIABLE"], "allow_insecure_http": true])
        let expected = ["BEARER_OK": "VALID", "BEARER_WRONG": "INVALID", "BASIC_OK": "VALID", "HEADER_OK": "VALID",
                        "QUERY_OK": "VALID", "QUERY_WRONG": "INVALID", "NO_SECRET": "INVALID"]
        let all = try client.call("validate.all", params: ["direction": "OUT"])
        let results = all["results"]?.arrayValue ?? []
        for (code, status) in expected {
            let result = results.first { $0["code"] == .string(code) }
            #expect(result?["status"] == .string(status), "\(code): \(result?.compactText ?? "missing")")
        }
        #expect(results.first { $0["code"] == "NO_SECRET" }?["message"] == "credential not found in env")
        #expect(results.first { $0["code"] == "QUERY_OK" }?["details"]?["url"] == .string("\(endpoints.http)/protected/query?api_key=***MASKED***"),
                "the api_key added to the query is masked")
        #expect(all["summary"] == ["valid": 4, "invalid": 3, "untested": 0, "errors": 0, "total": 7])
        let everything = all.compactText + (try String(contentsOfFile: "\(daemon.directory)/state/log/webhooks.jsonl", encoding: .utf8))
            + daemon.child.output
        for secret in [Self.bearer, Self.password, Self.apiKey] {
            #expect(!everything.contains(secret), "a secret leaked into a result or a log")
        }
    }

    @Test func inboundSigningSecretsAreCheckedForTheirScheme() throws {
        var environment = ProcessInfo.processInfo.environment
        environment["HOOKD_CRED_SIGNED_STRIPE_IN"] = #"{"secret":"\#(Self.stripeSecret)","scheme":"stripe"}"#
        environment["HOOKD_CRED_SIGNED_STANDARD_IN"] = #"{"secret":"whsec_MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3","scheme":"standard_webhooks"}"#
        environment["HOOKD_CRED_BAD_STRIPE_IN"] = #"{"secret":"sk_fake_not_a_signing_secret","scheme":"stripe"}"#
        environment["HOOKD_CRED_SHORT_STANDARD_IN"] = #"{"secret":"whsec_c2hvcnQ=","scheme":"standard_webhooks"}"#
        environment["HOOKD_CRED_NO_SCHEME_IN"] = "plain_fake_secret_without_scheme"
        let daemon = try DaemonProcess(environment: environment)
        let client = daemon.client()
        for code in ["SIGNED_STRIPE", "SIGNED_STANDARD", "BAD_STRIPE", "SHORT_STANDARD", "NO_SCHEME", "MISSING_SECRET"] {
            try upsert(client, ["code": .string(code), "direction": "IN", "type": "SERVICE", "auth_type": "hmac", "credential": ["source": "env"]])
        }
        let expected: [(String, String, String)] = [
            ("SIGNED_STRIPE", "VALID", "Signing secret well-formed; a stripe signature verifies"),
            ("SIGNED_STANDARD", "VALID", "Signing secret well-formed; a standard_webhooks signature verifies"),
            ("BAD_STRIPE", "INVALID", "Malformed stripe signing secret: must start with whsec_"),
            ("SHORT_STANDARD", "INVALID", "Malformed standard_webhooks signing secret: must encode 24 to 64 bytes, found 5"),
            ("NO_SCHEME", "UNTESTED", "No signature scheme configured"),
            ("MISSING_SECRET", "INVALID", "credential not found in env"),
        ]
        for (code, status, message) in expected {
            let result = try validate(client, code, direction: "IN")
            #expect(result["status"] == .string(status), "\(code): \(result.compactText)")
            #expect(result["message"] == .string(message), "\(code)")
            for secret in [Self.stripeSecret, "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3", "sk_fake_not_a_signing_secret", "c2hvcnQ=", "plain_fake_secret"] {
                #expect(!result.compactText.contains(secret), "\(code): a secret in the result")
            }
        }
    }

    @Test func aHangingEndpointAmongThirtyCostsAboutOneTimeout() throws {
        let endpoints = try Endpoints()
        let daemon = try DaemonProcess(configuration: TestEnvironment.loopbackAllowed)
        let client = daemon.client(timeoutSeconds: 60)
        for index in 0..<29 {
            try upsert(client, ["code": .string("FAST_\(index)"), "url": .string(endpoints.http + "/delay/100"), "auth_type": "none"])
        }
        try upsert(client, ["code": "SLOW", "url": .string(endpoints.http + "/hang"), "auth_type": "none", "timeout_seconds": 2])
        let started = Date()
        let all = try client.call("validate.all", params: [:])
        let elapsed = Date().timeIntervalSince(started)
        #expect(elapsed < 4, "30 checks at concurrency 8 with one 2 s timeout took \(elapsed) s")
        #expect(all["summary"] == ["valid": 29, "invalid": 0, "untested": 0, "errors": 1, "total": 30])
    }

    @Test func badParamsNameTheParameterAndAnUnknownWebhookIsNotFound() throws {
        let daemon = try DaemonProcess(configuration: TestEnvironment.loopbackAllowed)
        let client = daemon.client()
        for (params, parameter) in [(["concurrency": 0] as JSONObject, "concurrency"), (["concurrency": 65], "concurrency"),
                                    (["direction": "SIDEWAYS"], "direction"), (["codes": ["lower"]], "codes")] {
            let error = #expect(throws: HookClientError.self) { try client.call("validate.all", params: params) }
            guard case .reply(let reply)? = error else { continue }
            #expect(reply.code == -32602 && reply.details["parameter"] == .string(parameter), "\(params)")
        }
        let missing = #expect(throws: HookClientError.self) { try client.call("validate.one", params: ["code": "NOPE"]) }
        guard case .reply(let reply)? = missing else { return }
        #expect(reply.code == -32002)
    }

    @Test func theCommandsPrintTheSeedsFormsAndExitForCI() throws {
        let endpoints = try Endpoints()
        let daemon = try DaemonProcess(configuration: TestEnvironment.loopbackAllowed)
        let client = daemon.client()
        try upsert(client, ["code": "GOOD", "url": .string(endpoints.http + "/status/200"), "auth_type": "bearer",
                            "credential": ["source": "database", "value": .string(Self.bearer)], "allow_insecure_http": true])
        try upsert(client, ["code": "SERVICE_ONLY", "type": "SERVICE", "auth_type": "none"])
        let socket = ["--socket", daemon.socketPath]
        let one = try hookrpc(["validate", "GOOD"] + socket, in: daemon.directory)
        #expect(one.status == 0)
        #expect(one.output.hasPrefix("""
            Validating OUT webhook: GOOD
            ✓ Endpoint accessible - 200
            Details:
              url: \(endpoints.http)/status/200
              status_code: 200
              credential_source: database
              auth_type: bearer

            """), "the original validator's wording: \(one.output)")
        #expect(one.output.contains("  credential_source: database\n"))
        let table = try hookrpc(["validate-all"] + socket, in: daemon.directory)
        #expect(table.status == 0)
        #expect(table.output.hasPrefix("All Webhook Validation Results\n┌"), "\(table.output)")
        #expect(table.output.contains("│ Webhook Code │ Status   │ Message"), "\(table.output)")
        #expect(table.output.contains("│ SERVICE_ONLY │ UNTESTED │ SERVICE type webhook"))
        #expect(table.output.contains("Summary:\n  Valid:    1\n  Invalid:  0\n  Untested: 1\n  Errors:   0\n"))
        #expect(!table.output.contains("\u{1B}["), "no colour when piped")
        let outTable = try hookrpc(["validate-all", "--direction", "OUT"] + socket, in: daemon.directory)
        #expect(outTable.output.hasPrefix("OUT Webhook Validation Results\n"), "\(outTable.output)")

        try upsert(client, ["code": "BROKEN", "url": .string(endpoints.http + "/status/500"), "auth_type": "none"])
        #expect(try hookrpc(["validate-all"] + socket, in: daemon.directory).status == 2, "only ERRORs: 2")
        try upsert(client, ["code": "REFUSED", "url": .string(endpoints.http + "/status/401"), "auth_type": "none"])
        let refused = try hookrpc(["validate-all", "--json"] + socket, in: daemon.directory)
        #expect(refused.status == 1, "an INVALID: 1")
        #expect(try JSONValue.parse(refused.output)["summary"]?["invalid"] == 1)
        #expect(try hookrpc(["validate", "REFUSED"] + socket, in: daemon.directory).status == 1)
        #expect(try hookrpc(["validate", "BROKEN"] + socket, in: daemon.directory).status == 2)

        // On a terminal (script(1) gives the command a pseudo-terminal) the status is coloured,
        // unless NO_COLOR is set.
        let command = ([TestEnvironment.hookrpcPath, "validate-all"] + socket).joined(separator: " ")
        var environment = ProcessInfo.processInfo.environment
        environment["NO_COLOR"] = nil
        let coloured = try ChildProcess(executable: "/usr/bin/script", arguments: ["-qec", command, "/dev/null"], environment: environment,
                                        outputPath: "\(daemon.directory)/script-colour.out")
        _ = coloured.waitForExit(seconds: 30)
        #expect(coloured.output.contains("\u{1B}[32m VALID"), "\(coloured.output)")
        #expect(coloured.output.contains("┏━") && coloured.output.contains("┃ Webhook Code ┃"), "heavy box on a terminal: \(coloured.output)")
        #expect(coloured.output.contains("Validating webhooks (ALL)… 0 s"), "a progress line on the terminal")
        environment["NO_COLOR"] = "1"
        let plain = try ChildProcess(executable: "/usr/bin/script", arguments: ["-qec", command, "/dev/null"], environment: environment,
                                     outputPath: "\(daemon.directory)/script-plain.out")
        _ = plain.waitForExit(seconds: 30)
        #expect(plain.output.contains("┃ GOOD"), "\(plain.output)")
        #expect(!plain.output.contains("\u{1B}[3"), "NO_COLOR turns colour off")

        let source = try hookrpc(["check-source", "GOOD"] + socket, in: daemon.directory)
        #expect(source.status == 0)
        #expect(source.output.contains("Source:   database"))
        #expect(source.output.contains("still uses the legacy database credential"))
        for output in [one.output, table.output, refused.output, source.output] {
            #expect(!output.contains(Self.bearer))
        }
    }
}
