import FuzzSupport
import HookJSON
import HookRPC

/// Feeds bytes to the daemon's request path as a client's socket delivers them: in pieces,
/// through `LineFramer`, each complete line through `RPCIncoming.decode`, each call's params read
/// and each reply encoded and read back as a client reads it.
///
/// Input: byte 0 picks the line limit, byte 1 the batch limit, byte 2 the size of the pieces in
/// which the rest arrives. Properties: a line ends exactly at the first newline and is within the
/// limit, and an overlong line is reported only when it is; a batch is never empty nor over the
/// limit; a blank line is only whitespace; every reply is one line of valid JSON that a client
/// decodes to the same id and outcome.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFrame(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var input = FuzzInput(data, count: size)
    let lineLimits = [16, 64, 256, 4096, 1 << 20]
    let batchLimits = [1, 2, 3, 8, 1000]
    let lineLimit = lineLimits[Int(input.byte() ?? 0) % lineLimits.count]
    let batchLimit = batchLimits[Int(input.byte() ?? 0) % batchLimits.count]
    let pieceSize = 1 + Int(input.byte() ?? 0)
    let stream = Array(input.rest())

    var framer = LineFramer(maximumLineLength: lineLimit)
    var pending: [UInt8] = []
    var offset = 0
    reading: while offset < stream.count {
        let end = min(offset + pieceSize, stream.count)
        pending += stream[offset..<end]
        offset = end
        while true {
            let frame = pending.withUnsafeBytes { framer.scan($0) }
            let newline = pending.firstIndex(of: UInt8(ascii: "\n"))
            switch frame {
            case .line(let length):
                expectProperty(newline == length, "a line of \(length) bytes, but the first newline is at \(String(describing: newline))")
                expectProperty(length <= lineLimit, "a line of \(length) bytes over the limit of \(lineLimit)")
                pending.withUnsafeBytes { answer(line: UnsafeRawBufferPointer(rebasing: $0[..<length]), batchLimit: batchLimit) }
                pending.removeFirst(length + 1)
            case .needMoreBytes:
                expectProperty(newline == nil, "more bytes wanted, but a newline is pending at \(String(describing: newline))")
                expectProperty(pending.count <= lineLimit, "more bytes wanted for \(pending.count) pending bytes over the limit")
                continue reading
            case .overlong(let limit):
                expectProperty(limit == lineLimit, "overlong with limit \(limit), the framer's is \(lineLimit)")
                expectProperty((newline ?? pending.count) > lineLimit, "overlong, but the line ends at \(String(describing: newline))")
                break reading  // the daemon answers too_large once and closes the connection
            }
        }
    }
    return 0
}

/// Decodes one line as the daemon does and checks the replies it would write.
private func answer(line: UnsafeRawBufferPointer, batchLimit: Int) {
    switch RPCIncoming.decode(line: line, maxBatch: batchLimit) {
    case .empty:
        expectProperty(line.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }, "a line with content decoded as blank")
    case .single(let call):
        let reply = response(to: call, in: line)
        var output: [UInt8] = []
        reply.encode(into: &output)
        checkReadBack(output, expecting: [reply], asBatch: false)
    case .batch(let calls):
        expectProperty(!calls.isEmpty && calls.count <= batchLimit, "a batch of \(calls.count) calls, limit \(batchLimit)")
        let replies = calls.map { response(to: $0, in: line) }
        var output: [UInt8] = []
        RPCResponse.encodeBatch(replies, into: &output)
        checkReadBack(output, expecting: replies, asBatch: true)
    }
}

/// The reply the daemon's dispatcher could write: the error for an unusable call; for a request,
/// its params echoed back as the result (every handler reads them this way), or the error
/// `params(in:)` raises, or, for a method name hookd does not know, `method_not_found`.
private func response(to call: RPCCall, in line: UnsafeRawBufferPointer) -> RPCResponse {
    switch call {
    case .invalid(let id, let error):
        return RPCResponse(id: id, error: error)
    case .request(let envelope):
        let id = envelope.id ?? .null
        guard envelope.method.hasPrefix("system.") else {
            let method = envelope.method
            return RPCResponse(id: id, error: RPCError(.methodNotFound, "method not found: \(method)", details: ["method": .string(method)]))
        }
        do throws(RPCError) {
            return RPCResponse(id: id, result: .object(try envelope.params(in: line)))
        } catch {
            return RPCResponse(id: id, error: error)
        }
    }
}

/// The encoded reply (a batch's: an array of replies) is one line of valid JSON that
/// `RPCResponse.decode` reads back unchanged.
private func checkReadBack(_ output: [UInt8], expecting replies: [RPCResponse], asBatch: Bool) {
    expectProperty(!output.contains(UInt8(ascii: "\n")), "a reply holds a raw newline")
    output.withUnsafeBytes { text in
        do throws(JSONParseError) {
            try JSONScanner.validate(text)
        } catch {
            expectProperty(false, "a reply is not valid JSON (\(error)): \(String(decoding: text, as: UTF8.self))")
        }
    }
    let value: JSONValue
    do throws(JSONParseError) {
        value = try JSONValue.parse(output)
    } catch {
        expectProperty(false, "jansson refuses a reply (\(error)): \(String(decoding: output, as: UTF8.self))")
        return
    }
    let elements = asBatch ? value.arrayValue ?? [] : [value]
    expectProperty(elements.count == replies.count, "\(replies.count) replies encoded, \(elements.count) read back")
    for (element, reply) in zip(elements, replies) {
        let decoded: RPCResponse
        do throws(RPCError) {
            decoded = try RPCResponse.decode(element)
        } catch {
            expectProperty(false, "a client cannot read the reply \(element.compactText): \(error)")
            continue
        }
        expectProperty(decoded.id == reply.id, "reply id \(reply.id) reads back as \(decoded.id)")
        switch (decoded.outcome, reply.outcome) {
        case (.success(let result), .success(let sent)):
            expectProperty(result.isIdentical(to: sent), "result \(sent.compactText) reads back as \(result.compactText)")
        case (.failure(let error), .failure(let sent)):
            expectProperty(error.kind == sent.kind && error.message == sent.message, "error \(sent) reads back as \(error)")
        default:
            expectProperty(false, "reply \(element.compactText) changed its outcome")
        }
    }
}
