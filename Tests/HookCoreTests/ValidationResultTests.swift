import HookCore
import HookJSON
import Testing

struct ValidationResultTests {
    @Test(
        "each HTTP status maps to the seed's verdict",
        arguments: [
            (200, ValidationStatus.valid, "Endpoint accessible - 200"), (204, .valid, "Endpoint accessible - 204"),
            (302, .valid, "Endpoint accessible - 302"), (401, .invalid, "Authentication failed - 401"),
            (403, .invalid, "Authentication failed - 403"), (404, .invalid, "Endpoint not found - 404"),
            (410, .invalid, "Endpoint not found - 410"), (400, .valid, "Endpoint reachable, credential not refused - 400"),
            (429, .error, "Rate limited - 429; try again later"), (500, .error, "Endpoint error - 500"), (503, .error, "Endpoint error - 503"),
        ])
    func verdicts(status: Int, expected: ValidationStatus, message: String) {
        #expect(ValidationResult.verdict(forStatus: status) == (expected, message))
    }

    @Test func curlsCertificateDatesAreRead() {
        #expect(CertificateDate.secondsSince1970("Jan  1 00:00:00 1970 GMT") == 0)
        #expect(CertificateDate.secondsSince1970("Feb 29 12:30:05 2024 GMT") == 1_709_209_805)
        #expect(CertificateDate.secondsSince1970("Dec 31 23:59:59 2026 GMT").map { ISO8601.format($0) } == "2026-12-31T23:59:59Z")
        #expect(CertificateDate.secondsSince1970("not a date") == nil)
        #expect(CertificateDate.secondsSince1970("Foo  1 00:00:00 2026 GMT") == nil)
    }

    @Test func theResultCarriesOnlyTheDetailsItHas() throws {
        let key = try WebhookKey(code: "STRIPE", direction: .outbound)
        let untested = ValidationResult(key: key, status: .untested, message: "SERVICE type webhook", credentialSource: .infisical,
                                        authType: .bearer, checkedAt: 0)
        #expect(untested.json["details"] == [
            "url": .null, "method": .null, "credential_source": "infisical", "auth_type": "bearer", "checked_at": "1970-01-01T00:00:00.000Z",
        ])
        #expect(untested.logJSON["event"] == "webhook_validation")
    }
}
