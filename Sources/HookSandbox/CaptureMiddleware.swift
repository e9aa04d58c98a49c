#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import HookJSON
import HookStore
import Hummingbird
import NIOCore
import ServiceLifecycle

/// Serves the capture endpoints: any method on `/in/<name>` or `/in/<name>/<anything>` is
/// recorded exactly (method, path, query, headers, body, time, peer) and answered by the
/// endpoint's script. Everything else goes on to the router.
///
/// A middleware rather than routes because a route needs a method, and a capture endpoint
/// takes any, including ones the router has no name for.
struct CaptureMiddleware: RouterMiddleware {
    typealias Context = SandboxRequestContext

    let sandbox: Sandbox

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        guard path.hasPrefix("/in/") else { return try await next(request, context) }
        let rest = path.dropFirst("/in/".count)
        let name = String(rest.prefix { $0 != "/" })
        guard SandboxEndpointName.isValid(name) else {
            return SandboxResponses.error(.notFound, "'\(name)' is not an endpoint name (\(SandboxEndpointName.rule))")
        }
        let receivedAt = Date().timeIntervalSince1970
        var request = request
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: Sandbox.maximumBodyBytes)
        } catch {
            return SandboxResponses.error(.contentTooLarge, "the body is larger than \(Sandbox.maximumBodyBytes) bytes")
        }
        let bytes = Array(body.readableBytesView)
        var headers: [(name: String, value: String)] = []
        // HTTP/1's Host header arrives as the request's authority, not among its fields.
        if let authority = request.head.authority { headers.append(("Host", authority)) }
        for field in request.headers { headers.append((field.name.rawName, field.value)) }

        let (script, index) = sandbox.scripts.next(for: name)
        let outcome: CaptureStore.Outcome = script.close ? .closed : script.hang ? .hung : .answered
        let status = outcome == .answered ? script.status(forRequest: index) : nil
        let latency = Self.latencyMilliseconds(script.latency)
        let url = "http://\(request.head.authority ?? "127.0.0.1")\(request.uri.description)"
        let signature = await sandbox.signatureVerdict(script: script, headers: headers, body: bytes, url: url, receivedAt: receivedAt)
        let capture = CaptureStore.NewCapture(
            endpoint: name, method: request.method.rawValue, path: path, query: request.uri.query ?? "", headers: headers,
            body: bytes, receivedAt: receivedAt, peer: context.peer, outcome: outcome, status: status,
            latencyMilliseconds: outcome == .hung ? 0 : latency, signature: signature?.stored)
        do {
            let stored = try sandbox.store.insert(capture)
            sandbox.events.publish(.capture(CaptureJSON.encode(stored)))
        } catch {
            context.logger.error("capture not stored", metadata: ["endpoint": "\(name)", "error": "\(error)"])
        }

        switch outcome {
        case .hung:
            // The server drains open requests at shutdown: let go of this one when it starts to.
            let shutdown = sandbox.shutdown
            await cancelWhenGracefulShutdown { await shutdown.hold(seconds: SandboxScript.hangSeconds) }
            return Self.closeWithoutReply(context)
        case .closed:
            try? await Task.sleep(for: .milliseconds(latency))
            return Self.closeWithoutReply(context)
        case .answered:
            try? await Task.sleep(for: .milliseconds(latency))
            return Self.answer(script, status: status ?? 200)
        }
    }

    /// The script's answer: its body (or `{"ok":…}`), `Retry-After` and headers.
    static func answer(_ script: SandboxScript, status: Int) -> Response {
        let body = script.body ?? ((200..<300).contains(status) ? #"{"ok":true}"# : #"{"ok":false}"#)
        var fields = HTTPFields()
        let isJSON = (try? JSONValue.parse(body)) != nil
        fields[.contentType] = isJSON ? "application/json" : "text/plain; charset=utf-8"
        if let retryAfter = script.retryAfter { fields[.retryAfter] = String(retryAfter) }
        for header in script.headers {
            // The script's parser admits only valid names; an invalid one is skipped, not sent.
            guard let name = HTTPFields.Element.Name(header.name) else { continue }
            fields[name] = header.value
        }
        return Response(status: HTTPResponse.Status(code: status), headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }

    /// Closes the connection; the response returned after it is never written.
    static func closeWithoutReply(_ context: Context) -> Response {
        context.channel.close(mode: .all, promise: nil)
        return Response(status: .serviceUnavailable)
    }

    /// The delay for one request: the fixed one, or a uniform draw from the range.
    static func latencyMilliseconds(_ latency: SandboxScript.Latency?) -> Int {
        switch latency {
        case nil: 0
        case .fixed(let milliseconds): milliseconds
        case .random(let minimum, let maximum): Int.random(in: minimum...maximum)
        }
    }
}
