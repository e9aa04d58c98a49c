import HookCore
import HookJSON
import Testing

@Suite("StructuredLogEvent")
struct StructuredLogEventTests {
    /// 2023-11-14T22:13:20.250Z
    let timestamp = 1_700_000_000.25
    let guid = "0b6f2c1e-5d4a-4c3b-9a8f-7e6d5c4b3a21"

    func requestLine(
        url: String = "https://api.example.com/hooks",
        payload: JSONValue? = ["order": 42],
        headers: JSONObject? = ["Content-Type": "application/json"],
        credentialSource: String? = "infisical",
        masker: Masker = Masker()
    ) -> JSONValue {
        StructuredLogEvent.request(
            webhookCode: "stripe_orders", direction: "OUT", method: "POST", url: url, payload: payload,
            headers: headers, credentialSource: credentialSource, timestamp: timestamp, guid: guid, masker: masker)
    }

    func responseLine(statusCode: Int? = 200, responseBody: String? = "ok", error: String? = nil, masker: Masker = Masker()) -> JSONValue {
        StructuredLogEvent.response(
            webhookCode: "stripe_orders", direction: "OUT", statusCode: statusCode, responseBody: responseBody,
            duration: 0.125, success: statusCode == 200, error: error, timestamp: timestamp, guid: guid, masker: masker)
    }

    @Test("the request line has the seed's members in order, with their types")
    func requestShape() {
        let line = requestLine()
        #expect(line.objectValue?.keys == [
            "event", "webhook_code", "direction", "method", "url", "payload_size", "headers",
            "credential_source", "timestamp", "guid",
        ])
        #expect(line.compactText == #"{"event":"webhook_request","webhook_code":"stripe_orders","direction":"OUT","method":"POST","url":"https://api.example.com/hooks","payload_size":12,"headers":{"Content-Type":"application/json"},"credential_source":"infisical","timestamp":"2023-11-14T22:13:20.250Z","guid":"0b6f2c1e-5d4a-4c3b-9a8f-7e6d5c4b3a21"}"#)
    }

    @Test("absent payload, headers and credential source become 0, {} and null")
    func requestAbsentParts() {
        let line = requestLine(payload: nil, headers: nil, credentialSource: nil)
        #expect(line["payload_size"] == .integer(0))
        #expect(line["headers"] == .object(JSONObject()))
        #expect(line["credential_source"] == .null)
        #expect(requestLine(payload: .null)["payload_size"] == .integer(0))
    }

    @Test("payload_size counts UTF-8 bytes of a string payload and of compact JSON")
    func payloadSizeInBytes() {
        #expect(requestLine(payload: "héllo €")["payload_size"] == .integer(10))
        #expect(requestLine(payload: ["name": "José"])["payload_size"] == .integer(16))
        #expect(requestLine(payload: [1, 2, 3])["payload_size"] == .integer(7))
    }

    @Test("the payload itself is not in the request line")
    func payloadNotLogged() {
        let line = requestLine(payload: ["customer": "visible-only-as-size"])
        #expect(!line.compactText.contains("visible-only-as-size"))
    }

    @Test("the response line has the seed's members in order, with the masked preview after the size")
    func responseShape() {
        let line = responseLine(statusCode: 502, responseBody: "Bad gateway ü", error: "upstream said no")
        #expect(line.objectValue?.keys == [
            "event", "webhook_code", "direction", "status_code", "response_size", "response_preview", "duration_seconds",
            "success", "error", "timestamp", "guid",
        ])
        #expect(line.compactText == #"{"event":"webhook_response","webhook_code":"stripe_orders","direction":"OUT","status_code":502,"response_size":14,"response_preview":"Bad gateway ü","duration_seconds":0.125,"success":false,"error":"upstream said no","timestamp":"2023-11-14T22:13:20.250Z","guid":"0b6f2c1e-5d4a-4c3b-9a8f-7e6d5c4b3a21"}"#)
    }

    @Test("no body, no error and no status become 0, null and null")
    func responseAbsentParts() {
        let line = responseLine(statusCode: nil, responseBody: nil, error: nil)
        #expect(line["response_size"] == .integer(0))
        #expect(line["response_preview"] == .null)
        #expect(line["error"] == .null)
        #expect(line["status_code"] == .null)
        #expect(line["success"] == false)
    }

    @Test("timestamps are ISO 8601 UTC with milliseconds, rounded to the nearest one")
    func timestamps() {
        let at = { (seconds: Double) in
            StructuredLogEvent.request(
                webhookCode: "c", direction: "OUT", method: "GET", url: "/", payload: nil, headers: nil,
                credentialSource: nil, timestamp: seconds, guid: "g", masker: Masker())["timestamp"]
        }
        #expect(at(0) == "1970-01-01T00:00:00.000Z")
        #expect(at(1_700_000_000.123) == "2023-11-14T22:13:20.123Z")
        #expect(at(1_700_000_000.9996) == "2023-11-14T22:13:21.000Z")
    }

    @Test("a secret planted in url, headers, payload and error never appears in the lines")
    func plantedSecretNeverLogged() {
        let secret = "sk_fake_51HxYzPlantedSecret"
        let masker = Masker().adding(knownSecrets: [secret])
        let request = requestLine(
            url: "https://user:\(secret)@api.example.com/v1/charge?api_key=\(secret)&next=/p/\(secret)",
            payload: ["api_key": .string(secret), "note": .string("key is \(secret)"), "items": [.string(secret)]],
            headers: ["Authorization": .string("Bearer \(secret)"), "X-Echo": .string(secret), "Accept": "*/*"],
            credentialSource: "env",
            masker: masker)
        let response = responseLine(
            statusCode: 401, responseBody: "invalid api key \(secret)",
            error: "HTTP 401 calling https://api.example.com/v1/charge?api_key=\(secret) with key \(secret)",
            masker: masker)
        #expect(!request.compactText.contains(secret))
        #expect(!response.compactText.contains(secret))
        #expect(request["headers"]?["Accept"] == "*/*")
        #expect(response["error"] == "HTTP 401 calling https://api.example.com/v1/charge?api_key=***MASKED*** with key ***MASKED***")
    }

    @Test("a URL secret is masked even when the masker does not know it")
    func unknownURLSecretMasked() {
        let line = requestLine(url: "https://bob:pw-unknown@h.example/x?token=t-unknown&page=1")
        #expect(line["url"] == "https://***MASKED***@h.example/x?token=***MASKED***&page=1")
    }

    @Test("new GUIDs are lowercase UUID v4 strings and differ")
    func guidFormat() {
        let guids = (0..<200).map { _ in StructuredLogEvent.newGUID() }
        #expect(Set(guids).count == guids.count)
        for guid in guids {
            let parts = guid.split(separator: "-", omittingEmptySubsequences: false)
            #expect(parts.map(\.count) == [8, 4, 4, 4, 12])
            #expect(guid.allSatisfy { "0123456789abcdef-".contains($0) })
            #expect(parts[2].first == "4")
            #expect(parts[3].first.map { "89ab".contains($0) } == true)
        }
    }
}
