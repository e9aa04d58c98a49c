import HookJSON
import HookStore
import Hummingbird
import NIOCore
import ServiceLifecycle

/// The JSON API (`protocol/sandbox.openapi.yaml`): endpoints and their scripts, captures with
/// raw headers (replay needs them), stats and the event stream.
extension Sandbox {
    /// `/api/captures`' default page size.
    public static let defaultCaptureLimit = 50
    /// `/api/captures`' largest page size.
    public static let maximumCaptureLimit = 1000

    func addAPIRoutes(to router: Router<SandboxRequestContext>) {
        router.get("/api/endpoints") { _, _ in try self.endpointsResponse() }
        router.get("/api/captures") { request, _ in try self.capturesResponse(request) }
        router.get("/api/captures/:id") { _, context in
            guard let id = context.parameters.get("id", as: Int64.self) else {
                return SandboxResponses.error(.badRequest, "the capture id must be a whole number", field: "id")
            }
            guard let capture = try self.store.capture(id: id) else {
                return SandboxResponses.error(.notFound, "no capture \(id)")
            }
            return SandboxResponses.json(CaptureJSON.encode(capture))
        }
        router.delete("/api/captures") { _, _ in
            SandboxResponses.json(["deleted": .integer(Int64(try self.store.deleteAll()))])
        }
        router.get("/api/stats") { _, _ in
            let statistics = try self.store.statistics()
            return SandboxResponses.json(["captures": .integer(Int64(statistics.captures)), "dropped": .integer(Int64(statistics.dropped))])
        }
        router.post("/api/endpoints/:name/script") { request, context in try await self.setScript(request, context) }
        router.get("/api/events") { _, _ in self.eventStream() }
    }

    /// Every endpoint with a script or captures: name, script (null for the default), capture count.
    private func endpointsResponse() throws -> Response {
        let endpoints: [JSONValue] = try endpointSummaries().map { endpoint in
            ["name": .string(endpoint.name), "script": endpoint.script?.json ?? .null, "captures": .integer(Int64(endpoint.captures))]
        }
        return SandboxResponses.json(["endpoints": .array(endpoints)])
    }

    /// Every endpoint with a script or captures, by name: what the API and the page list.
    func endpointSummaries() throws(StoreError) -> [(name: String, script: SandboxScript?, captures: Int)] {
        var counts: [String: Int] = [:]
        for (endpoint, count) in try store.countsByEndpoint() { counts[endpoint] = count }
        var scripted: [String: SandboxScript] = [:]
        for (endpoint, script) in scripts.all() { scripted[endpoint] = script }
        return Set(counts.keys).union(scripted.keys).sorted().map { name in
            (name: name, script: scripted[name], captures: counts[name] ?? 0)
        }
    }

    private func capturesResponse(_ request: Request) throws -> Response {
        let query = request.uri.queryParameters
        let endpoint = query["endpoint"].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
        var since: Int64?
        if let text = query["since"], !text.isEmpty {
            guard let value = Int64(text), value >= 0 else {
                return SandboxResponses.error(.badRequest, "since must be a capture id (a whole number, 0 or more)", field: "since")
            }
            since = value
        }
        var limit = Self.defaultCaptureLimit
        if let text = query["limit"], !text.isEmpty {
            guard let value = Int(text), (1...Self.maximumCaptureLimit).contains(value) else {
                return SandboxResponses.error(.badRequest, "limit must be a whole number from 1 to \(Self.maximumCaptureLimit)", field: "limit")
            }
            limit = value
        }
        let captures = try store.captures(endpoint: endpoint, since: since, limit: limit)
        return SandboxResponses.json(["captures": .array(captures.map(CaptureJSON.encode))])
    }

    private func setScript(_ request: Request, _ context: SandboxRequestContext) async throws -> Response {
        let name = context.parameters.get("name") ?? ""
        guard SandboxEndpointName.isValid(name) else {
            return SandboxResponses.error(.badRequest, "'\(name)' is not an endpoint name (\(SandboxEndpointName.rule))", field: "name")
        }
        var request = request
        let body = try await request.collectBody(upTo: 1024 * 1024)
        let json: JSONValue
        do throws(JSONParseError) {
            json = try JSONValue.parse(Array(body.readableBytesView))
        } catch {
            return SandboxResponses.error(.badRequest, "the body is not JSON: \(error.description)")
        }
        do throws(SandboxScriptError) {
            let script = try SandboxScript(json: json)
            scripts.set(script, for: name)
            return SandboxResponses.json(["name": .string(name), "script": script.json])
        } catch {
            return SandboxResponses.error(.badRequest, error.description, field: error.field)
        }
    }

    /// Server-sent events: `event: capture` with the capture's API JSON for each new capture,
    /// a comment as heartbeat; the stream ends at shutdown.
    private func eventStream() -> Response {
        let (stream, continuation) = events.subscribe()
        let body = ResponseBody { writer in
            try await writer.write(ByteBuffer(string: ": connected\n\n"))
            // The server drains open requests at shutdown: end this stream when it starts to.
            try await withGracefulShutdownHandler {
                for await event in stream {
                    switch event {
                    case .capture(let capture):
                        let id = capture["id"]?.integerValue.map { "id: \($0)\n" } ?? ""
                        try await writer.write(ByteBuffer(string: "event: capture\n\(id)data: \(capture.compactText)\n\n"))
                    case .heartbeat:
                        try await writer.write(ByteBuffer(string: ": heartbeat\n\n"))
                    }
                }
            } onGracefulShutdown: {
                continuation.finish()
            }
            try await writer.finish(nil)
        }
        return Response(
            status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-store"],
            body: body)
    }
}
