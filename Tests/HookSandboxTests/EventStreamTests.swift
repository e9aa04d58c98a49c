import Foundation
import HookJSON
import HookSandbox
import Hummingbird
import HummingbirdTesting
import Testing

/// `/api/events` delivers one `capture` event per new capture.
@Suite struct EventStreamTests {
    @Test func aNewCaptureArrivesAsAServerSentEvent() async throws {
        let fixture = try SandboxFixture()
        defer { fixture.remove() }
        try await fixture.application().test(.live) { client in
            let port = try #require(client.port)
            let events = fixture.sandbox.events
            let reader = Task {
                try await onThread { () -> String in
                    let socket = try LoopbackSocket(port: port)
                    try socket.write("GET /api/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n")
                    let (bytes, _) = socket.read(timeoutSeconds: 10) { received in
                        String(decoding: received, as: UTF8.self).contains("\"endpoint\":\"events\"")
                    }
                    return String(decoding: bytes, as: UTF8.self)
                }
            }
            // Wait (bounded) until the stream is subscribed, then capture something.
            let deadline = ContinuousClock.now + .seconds(10)
            while events.subscriberCount == 0, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
            #expect(events.subscriberCount == 1)
            _ = try await client.send("/in/events", body: #"{"hello":"sse"}"#)
            let stream = try await reader.value
            #expect(stream.contains("text/event-stream"))
            #expect(stream.contains("event: capture\n"))
            let data = try #require(stream.split(separator: "\n").first { $0.hasPrefix("data: ") }?.dropFirst("data: ".count))
            let capture = try JSONValue.parse(String(data))
            #expect(capture["endpoint"] == "events")
            #expect(capture["id"] == 1)
            #expect(capture["body_base64"] == .string(Data(#"{"hello":"sse"}"#.utf8).base64EncodedString()))
        }
    }
}
