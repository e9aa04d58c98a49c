import Foundation
import HookJSON
import HookSandbox
import HookStore
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// A capture endpoint records the request exactly; the store is bounded and counts what it drops.
@Suite struct CaptureTests {
    @Test func aRequestIsRecordedExactly() async throws {
        let fixture = try SandboxFixture()
        defer { fixture.remove() }
        let body: [UInt8] = [0x00, 0xFF, 0x7B, 0x0A, 0x80]
        try await fixture.application().test(.live) { client in
            let response = try await client.execute(
                uri: "/in/stripe/v1/events?attempt=2&x=%20y", method: .put,
                headers: [.contentType: "application/octet-stream", HTTPFields.Element.Name("Stripe-Signature")!: "t=1,v1=tok_fake_signature"],
                body: ByteBuffer(bytes: body))
            #expect(response.status == .ok)
            let capture = try #require(try await client.captures().first)
            #expect(capture["endpoint"] == "stripe")
            #expect(capture["method"] == "PUT")
            #expect(capture["path"] == "/in/stripe/v1/events")
            #expect(capture["query"] == "attempt=2&x=%20y")
            #expect(capture["headers"]?["Stripe-Signature"] == "t=1,v1=tok_fake_signature", "the API returns headers raw")
            #expect(capture["headers"]?["Content-Type"] == "application/octet-stream")
            #expect(capture["headers"]?["Host"]?.stringValue?.hasPrefix("localhost") == true
                || capture["headers"]?["Host"]?.stringValue?.hasPrefix("127.0.0.1") == true)
            #expect(capture["body_base64"]?.stringValue.flatMap { Data(base64Encoded: $0) }.map(Array.init) == body)
            #expect(capture["peer"]?.stringValue?.hasPrefix("127.0.0.1:") == true)
            #expect(capture["status"] == 200)
            #expect(capture["received_at"]?.stringValue?.hasSuffix("Z") == true)
            #expect(capture["signature"] == nil)
            let id = try #require(capture["id"]?.integerValue)
            let single = try await client.execute(uri: "/api/captures/\(id)", method: .get)
            #expect(single.json == capture)
        }
    }

    @Test func aNameThatIsNotAnEndpointNameIsNotCaptured() async throws {
        let fixture = try SandboxFixture()
        defer { fixture.remove() }
        try await fixture.application().test(.router) { client in
            let response = try await client.send("/in/bad%20name")
            let captures = try await client.captures()
            #expect(response.status == .notFound)
            #expect(captures.isEmpty)
        }
    }

    @Test func beyondMaxCapturesTheOldestAreDroppedFirstAndCounted() async throws {
        let fixture = try SandboxFixture(maxCaptures: 3)
        defer { fixture.remove() }
        try await fixture.application().test(.router) { client in
            for index in 1...5 { _ = try await client.send("/in/bounded", body: #"{"n":\#(index)}"#) }
            let stats = try await client.execute(uri: "/api/stats", method: .get).json
            #expect(stats == ["captures": 3, "dropped": 2])
            let bodies = try await client.captures().compactMap { $0["body_base64"]?.stringValue.flatMap { Data(base64Encoded: $0) } }
            #expect(bodies.map { String(decoding: $0, as: UTF8.self) } == [#"{"n":5}"#, #"{"n":4}"#, #"{"n":3}"#])
        }
    }

    @Test func idsKeepIncreasingAfterEveryCaptureIsDeleted() async throws {
        let fixture = try SandboxFixture()
        defer { fixture.remove() }
        try await fixture.application().test(.router) { client in
            _ = try await client.send("/in/a")
            _ = try await client.send("/in/a")
            let deleted = try await client.execute(uri: "/api/captures", method: .delete)
            #expect(deleted.json == ["deleted": 2])
            #expect(try await client.captures().isEmpty)
            _ = try await client.send("/in/a")
            #expect(try await client.captures().first?["id"] == 3)
        }
    }

    @Test func theStoreFileIsOwnerOnly() throws {
        let fixture = try SandboxFixture()
        defer { fixture.remove() }
        let file = try FileManager.default.attributesOfItem(atPath: fixture.sandbox.store.path)
        let directory = try FileManager.default.attributesOfItem(atPath: fixture.directory)
        #expect((file[.posixPermissions] as? Int) == 0o600)
        #expect((directory[.posixPermissions] as? Int) == 0o700)
    }

    @Test func anEndpointTiedToACodeGetsTheVerifiersVerdict() async throws {
        let verifier = RecordingVerifier()
        let fixture = try SandboxFixture(verifier: verifier)
        defer { fixture.remove() }
        try await fixture.application().test(.router) { client in
            try await client.setScript("stripe", #"{"code": "STRIPE_IN"}"#)
            _ = try await client.send("/in/stripe?a=1", body: #"{"id":"evt_1"}"#, headers: [HTTPFields.Element.Name("Stripe-Signature")!: "v1=tok_fake"])
            _ = try await client.send("/in/plain")
            let captures = try await client.captures()
            #expect(captures.first?["signature"] == nil, "an endpoint without a code gets no verdict")
            #expect(captures.last?["signature"] == ["valid": false, "reason": "bad_signature", "checked_by": "hookd"])
            let call = try #require(verifier.calls.first)
            #expect(call.code == "STRIPE_IN")
            #expect(call.body == Array(#"{"id":"evt_1"}"#.utf8))
            #expect(call.url.hasSuffix("/in/stripe?a=1"))
            #expect(call.headers.contains { $0.name == "Stripe-Signature" && $0.value == "v1=tok_fake" })
        }
    }
}

/// A verifier that answers `bad_signature` and remembers what it was asked.
final class RecordingVerifier: SignatureVerifier, @unchecked Sendable {
    struct Call { var code: String; var headers: [(name: String, value: String)]; var body: [UInt8]; var url: String }
    private let lock = NSLock()
    private var recorded: [Call] = []
    var calls: [Call] { lock.withLock { recorded } }

    func verify(code: String, headers: [(name: String, value: String)], body: [UInt8], url: String) async -> SignatureVerifierAnswer {
        lock.withLock { recorded.append(Call(code: code, headers: headers, body: body, url: url)) }
        return .verdict(CaptureStore.SignatureVerdict(valid: false, reason: "bad_signature"))
    }
}
