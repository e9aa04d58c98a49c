import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import ServiceLifecycle

/// `GET /metrics` on `metrics.listen` (loopback unless `metrics.allow_remote`): the exposition
/// for a Prometheus scrape. Anything else is 404; only GET and HEAD are answered.
final class MetricsListener: Service, Sendable {
    private let group: any EventLoopGroup
    private let host: String
    private let port: Int
    private let exporter: MetricsExporter
    private let logger: Logger

    init(group: any EventLoopGroup, host: String, port: Int, exporter: MetricsExporter, logger: Logger) {
        self.group = group
        self.host = host
        self.port = port
        self.exporter = exporter
        self.logger = logger
    }

    func run() async throws {
        let exporter = exporter
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(MetricsHTTPHandler(exporter: exporter))
                }
            }
            .bind(host: host, port: port).get()
        logger.notice("metrics: serving GET /metrics on \(host):\(port)")
        try? await gracefulShutdown()
        try? await channel.close()
    }
}

/// One HTTP/1.1 connection of the metrics listener.
private final class MetricsHTTPHandler: ChannelInboundHandler, @unchecked Sendable {
    // @unchecked: used on its channel's event loop only; the exporter is Sendable.
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let exporter: MetricsExporter
    private var head: HTTPRequestHead?

    init(exporter: MetricsExporter) {
        self.exporter = exporter
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let request): head = request
        case .body: break
        case .end:
            guard let request = head else { return }
            head = nil
            respond(to: request, context: context)
        }
    }

    private func respond(to request: HTTPRequestHead, context: ChannelHandlerContext) {
        let path = request.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? request.uri
        guard request.method == .GET || request.method == .HEAD, path == "/metrics" else {
            write(status: request.method == .GET || request.method == .HEAD ? .notFound : .methodNotAllowed, body: "GET /metrics\n",
                  contentType: "text/plain; charset=utf-8", includeBody: true, keepAlive: request.isKeepAlive, context: context)
            return
        }
        let loop = context.eventLoop
        let bound = NIOLoopBound((self, context), eventLoop: loop)
        let exporter = exporter
        let keepAlive = request.isKeepAlive
        let includeBody = request.method == .GET
        Task {
            let text = await exporter.text()
            loop.execute {
                let (handler, context) = bound.value
                handler.write(status: .ok, body: text, contentType: MetricsExporter.contentType, includeBody: includeBody, keepAlive: keepAlive,
                              context: context)
            }
        }
    }

    private func write(status: HTTPResponseStatus, body: String, contentType: String, includeBody: Bool, keepAlive: Bool,
                       context: ChannelHandlerContext) {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: contentType)
        headers.add(name: "Content-Length", value: String(body.utf8.count))
        if !keepAlive { headers.add(name: "Connection", value: "close") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
        if includeBody {
            var buffer = context.channel.allocator.buffer(capacity: body.utf8.count)
            buffer.writeString(body)
            context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        }
        let flushed = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if !keepAlive {
            let channel = context.channel
            flushed.whenComplete { _ in channel.close(promise: nil) }
        }
    }
}
