import CCurl
import HookNumbers

/// One blocking HTTP transfer on a curl easy handle, which this type owns and cleans up once.
///
/// Blocking: `perform` must run on a thread of its own, never on an event loop or Swift's cooperative
/// pool. Async callers use `HTTPClient`, which drives many transfers on one dedicated thread.
public final class CurlEasyTransfer {
    private let handle: UnsafeMutableRawPointer
    private let received = ReceivedBytes()

    public init() throws(HTTPError) {
        CurlGlobal.initialize()
        guard let handle = curl_easy_init() else { throw HTTPError(curlCode: -1, message: "curl_easy_init failed") }
        self.handle = handle
    }

    deinit { curl_easy_cleanup(handle) }

    /// Performs the request and returns the response.
    /// - Throws: `HTTPError` with curl's reason for transport failures (DNS, connect, TLS, timeout).
    public func perform(_ request: HTTPRequest) throws(HTTPError) -> HTTPResponse {
        curl_easy_reset(handle)
        received.bytes.removeAll(keepingCapacity: true)
        var headerList: UnsafeMutablePointer<curl_slist>? = nil
        defer { curl_slist_free_all(headerList) }
        for header in request.headers {
            headerList = curl_slist_append(headerList, "\(header.name): \(header.value)")
        }
        try check(hookd_curl_setopt_string(handle, CURLOPT_URL, request.url))
        try check(hookd_curl_setopt_string(handle, CURLOPT_CUSTOMREQUEST, request.method))
        try check(hookd_curl_setopt_long(handle, CURLOPT_NOBODY, request.method == "HEAD" ? 1 : 0))
        try check(hookd_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1))
        try check(hookd_curl_setopt_long(handle, CURLOPT_TIMEOUT_MS, CurlTransfer.milliseconds(request.timeoutSeconds)))
        try check(hookd_curl_setopt_slist(handle, CURLOPT_HTTPHEADER, headerList))
        try check(hookd_curl_setopt_pointer(handle, CURLOPT_WRITEDATA, Unmanaged.passUnretained(received).toOpaque()))
        try check(hookd_curl_setopt_data_callback(handle, CURLOPT_WRITEFUNCTION) { data, size, count, context in
            guard let data, let context else { return 0 }
            let sink = Unmanaged<ReceivedBytes>.fromOpaque(context).takeUnretainedValue()
            sink.bytes.append(contentsOf: UnsafeRawBufferPointer(start: data, count: size * count))
            return size * count
        })
        let body = request.body
        let code: CURLcode = body.withUnsafeBytes { raw in
            if !body.isEmpty {
                _ = hookd_curl_setopt_long(handle, CURLOPT_POSTFIELDSIZE, body.count)
                _ = hookd_curl_setopt_pointer(handle, CURLOPT_POSTFIELDS, UnsafeMutableRawPointer(mutating: raw.baseAddress))
            }
            return curl_easy_perform(handle)
        }
        try check(code)
        var status = 0
        _ = hookd_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        return HTTPResponse(statusCode: status, body: received.bytes)
    }

    private func check(_ code: CURLcode) throws(HTTPError) {
        guard code != CURLE_OK else { return }
        throw HTTPError(curlCode: Int(code.rawValue), message: String(cString: curl_easy_strerror(code)))
    }
}

/// The response body as curl's write callback delivers it.
private final class ReceivedBytes {
    var bytes: [UInt8] = []
}
