import CCurl
import HookNumbers

/// One request on its own curl easy handle, with the buffers curl writes into while it runs.
///
/// Thread confinement: created, driven and released only on `CurlMultiLoop`'s thread; curl calls
/// the write and header callbacks on that thread, from inside `curl_multi_perform`. Not Sendable.
/// The easy handle, header list and error buffer are freed exactly once, in `deinit`; the loop
/// removes the handle from the multi handle before it drops the last reference.
final class CurlTransfer {
    let handle: UnsafeMutableRawPointer
    let ticket: HTTPTransferTicket
    private var headerList: UnsafeMutablePointer<curl_slist>?
    /// curl's CURLOPT_ERRORBUFFER: the detailed reason of a failure (e.g. which certificate check failed).
    private let errorBuffer: UnsafeMutablePointer<CChar>
    private var body: [UInt8] = []
    private let maxResponseBytes: Int
    /// Set when the write callback refused a chunk because the body would pass `maxResponseBytes`.
    private var bodyTooLarge = false
    private var headers: [(name: String, value: String)] = []
    private let addressScreen: HTTPClient.AddressScreen?
    /// The reason `addressScreen` gave for the last address it refused, and whether the last
    /// connection attempt (after any redirect, of all the addresses tried) was one it refused.
    private var addressRefusal: String?
    private var lastAttemptRefused = false

    /// Creates the easy handle and sets every option; the failure carries curl's reason when it refuses one.
    static func make(for ticket: HTTPTransferTicket, configuration: HTTPClient.Configuration) -> Result<CurlTransfer, HTTPError> {
        guard let handle = curl_easy_init() else {
            return .failure(HTTPError(curlCode: -1, message: "curl_easy_init failed"))
        }
        let transfer = CurlTransfer(handle: handle, ticket: ticket, maxResponseBytes: configuration.maxResponseBytes,
                                    addressScreen: configuration.addressScreen)
        let code = transfer.configure(configuration)
        guard code == CURLE_OK else { return .failure(transfer.error(for: code)) }
        return .success(transfer)
    }

    private init(handle: UnsafeMutableRawPointer, ticket: HTTPTransferTicket, maxResponseBytes: Int,
                 addressScreen: HTTPClient.AddressScreen?) {
        self.handle = handle
        self.ticket = ticket
        self.maxResponseBytes = maxResponseBytes
        self.addressScreen = addressScreen
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE))
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
    }

    deinit {
        curl_easy_cleanup(handle)
        curl_slist_free_all(headerList)
        errorBuffer.deallocate()
    }

    /// Reads the outcome after curl reported the transfer done with `code`.
    func result(_ code: CURLcode) -> Result<HTTPResponse, HTTPError> {
        guard code == CURLE_OK else { return .failure(error(for: code)) }
        var status = 0
        _ = hookd_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        var total = 0.0
        _ = hookd_curl_getinfo_double(handle, CURLINFO_TOTAL_TIME, &total)
        return .success(HTTPResponse(
            statusCode: status, body: body, headers: headers, totalSeconds: total,
            certificateExpiresAt: peerCertificateExpiry()))
    }

    /// curl's detailed text for `code` (error buffer, else strerror), scrubbed of the URL's secrets.
    func error(for code: CURLcode) -> HTTPError {
        if bodyTooLarge || code == CURLE_FILESIZE_EXCEEDED {
            var tooLarge = HTTPError.responseTooLarge(limit: maxResponseBytes)
            tooLarge.target = "\(ticket.request.method) \(URLRedaction.redacted(ticket.request.url))"
            return tooLarge
        }
        if let addressRefusal, lastAttemptRefused {
            var blocked = HTTPError.blockedAddress(addressRefusal)
            blocked.target = "\(ticket.request.method) \(URLRedaction.redacted(ticket.request.url))"
            return blocked
        }
        let detail = String(cString: errorBuffer)
        let message = detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
        let url = ticket.request.url
        return HTTPError(
            curlCode: Int(code.rawValue), message: URLRedaction.scrub(message, of: url),
            target: "\(ticket.request.method) \(URLRedaction.redacted(url))")
    }

    private func configure(_ configuration: HTTPClient.Configuration) -> CURLcode {
        let request = ticket.request
        let context = Unmanaged.passUnretained(self).toOpaque()
        let protocols = request.requiresTLS ? "https" : "http,https"
        var options: [() -> CURLcode] = [
            { hookd_curl_setopt_pointer(self.handle, CURLOPT_ERRORBUFFER, self.errorBuffer) },
            { hookd_curl_setopt_string(self.handle, CURLOPT_URL, request.url) },
            { hookd_curl_setopt_string(self.handle, CURLOPT_PROTOCOLS_STR, protocols) },
            { hookd_curl_setopt_string(self.handle, CURLOPT_CUSTOMREQUEST, request.method) },
            { hookd_curl_setopt_long(self.handle, CURLOPT_NOBODY, request.method == "HEAD" ? 1 : 0) },
            { hookd_curl_setopt_long(self.handle, CURLOPT_NOSIGNAL, 1) },
            { hookd_curl_setopt_long(self.handle, CURLOPT_TIMEOUT_MS, Self.milliseconds(request.timeoutSeconds)) },
            { hookd_curl_setopt_long(self.handle, CURLOPT_CONNECTTIMEOUT_MS, Self.milliseconds(configuration.connectTimeoutSeconds)) },
            { hookd_curl_setopt_long(self.handle, CURLOPT_SSL_VERIFYPEER, 1) },
            { hookd_curl_setopt_long(self.handle, CURLOPT_SSL_VERIFYHOST, 2) },
            { hookd_curl_setopt_long(self.handle, CURLOPT_CERTINFO, 1) },
            { hookd_curl_setopt_string(self.handle, CURLOPT_USERAGENT, configuration.userAgent) },
            // An announced Content-Length over the limit fails at once; a HEAD's describes a body never sent.
            { hookd_curl_setopt_long(self.handle, CURLOPT_MAXFILESIZE, request.method == "HEAD" ? 0 : self.maxResponseBytes) },
            { hookd_curl_setopt_long(self.handle, CURLOPT_FOLLOWLOCATION, request.followRedirects ? 1 : 0) },
            { hookd_curl_setopt_long(self.handle, CURLOPT_MAXREDIRS, 10) },
            { hookd_curl_setopt_long(self.handle, CURLOPT_FRESH_CONNECT, request.freshConnection ? 1 : 0) },
            { hookd_curl_setopt_string(self.handle, CURLOPT_REDIR_PROTOCOLS_STR, protocols) },
            { hookd_curl_setopt_pointer(self.handle, CURLOPT_WRITEDATA, context) },
            { hookd_curl_setopt_data_callback(self.handle, CURLOPT_WRITEFUNCTION) { data, size, count, context in
                guard let context else { return 0 }
                let transfer = Unmanaged<CurlTransfer>.fromOpaque(context).takeUnretainedValue()
                guard let data else { return size * count }
                guard transfer.body.count + size * count <= transfer.maxResponseBytes else {
                    transfer.bodyTooLarge = true
                    return 0  // curl aborts the transfer (CURLE_WRITE_ERROR); reported as responseTooLarge
                }
                transfer.body.append(contentsOf: UnsafeRawBufferPointer(start: data, count: size * count))
                return size * count
            } },
            { hookd_curl_setopt_pointer(self.handle, CURLOPT_HEADERDATA, context) },
            { hookd_curl_setopt_data_callback(self.handle, CURLOPT_HEADERFUNCTION) { data, size, count, context in
                guard let context else { return 0 }
                let transfer = Unmanaged<CurlTransfer>.fromOpaque(context).takeUnretainedValue()
                if let data { transfer.receivedHeaderLine(UnsafeRawBufferPointer(start: data, count: size * count)) }
                return size * count
            } },
        ]
        if addressScreen != nil {
            options.append { hookd_curl_setopt_string(self.handle, CURLOPT_NOPROXY, "*") }
            options.append { hookd_curl_setopt_pointer(self.handle, CURLOPT_OPENSOCKETDATA, context) }
            options.append {
                hookd_curl_setopt_opensocket_callback(self.handle) { context, _, address in
                    guard let context, let address else { return hookd_curl_socket_bad() }
                    return Unmanaged<CurlTransfer>.fromOpaque(context).takeUnretainedValue().openScreenedSocket(address)
                }
            }
        }
        if let caFile = configuration.caFile {
            options.append { hookd_curl_setopt_string(self.handle, CURLOPT_CAINFO, caFile) }
        }
        for header in request.headers {
            headerList = curl_slist_append(headerList, "\(header.name): \(header.value)")
        }
        let sendsBody = !request.body.isEmpty || ["POST", "PUT", "PATCH"].contains(request.method)
        if sendsBody {
            // curl would otherwise wait up to a second for "100 Continue" before sending larger bodies.
            if !request.headers.contains(where: { $0.name.asciiLowercased == "expect" }) {
                headerList = curl_slist_append(headerList, "Expect:")
            }
            options.append { hookd_curl_setopt_long(self.handle, CURLOPT_POSTFIELDSIZE, request.body.count) }
            // COPYPOSTFIELDS: curl keeps its own copy, so the bytes stay valid for the whole transfer.
            options.append {
                request.body.withUnsafeBytes { bytes in
                    guard let base = bytes.baseAddress else { return hookd_curl_setopt_string(self.handle, CURLOPT_COPYPOSTFIELDS, "") }
                    return hookd_curl_setopt_pointer(self.handle, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: base))
                }
            }
        }
        options.append { hookd_curl_setopt_slist(self.handle, CURLOPT_HTTPHEADER, self.headerList) }
        for option in options {
            let code = option()
            guard code == CURLE_OK else { return code }
        }
        return CURLE_OK
    }

    /// Opens the socket curl asked for when the screen approves its address; refuses it otherwise.
    private func openScreenedSocket(_ address: UnsafeMutablePointer<curl_sockaddr>) -> curl_socket_t {
        var raw = [UInt8](repeating: 0, count: 16)
        let count = raw.withUnsafeMutableBufferPointer { hookd_curl_sockaddr_bytes(address, $0.baseAddress) }
        let refusal = count == 0 ? "the connection is not to an IP address" : addressScreen?(Array(raw.prefix(Int(count))))
        lastAttemptRefused = refusal != nil
        if let refusal {
            addressRefusal = refusal
            return hookd_curl_socket_bad()
        }
        return hookd_curl_open_socket(address)
    }

    /// One header line from curl: a status line starts a new response (1xx, redirect), so the
    /// headers of the previous one are dropped; `Name: value` lines are kept; the blank line ends it.
    private func receivedHeaderLine(_ bytes: UnsafeRawBufferPointer) {
        let line = String(decoding: bytes, as: UTF8.self).trimmingHTTPWhitespace
        if line.hasPrefix("HTTP/") {
            headers.removeAll()
        } else if let colon = line.firstIndex(of: ":") {
            headers.append((String(line[..<colon]), String(line[line.index(after: colon)...]).trimmingHTTPWhitespace))
        }
    }

    /// The leaf certificate's "Expire date" from CURLINFO_CERTINFO, when curl collected one.
    private func peerCertificateExpiry() -> String? {
        var info: UnsafeMutablePointer<curl_certinfo>? = nil
        guard hookd_curl_getinfo_certinfo(handle, &info) == CURLE_OK, let info,
              info.pointee.num_of_certs > 0, let leaf = info.pointee.certinfo?[0] else { return nil }
        let prefix = "Expire date:"
        var field: UnsafeMutablePointer<curl_slist>? = leaf
        while let entry = field {
            if let data = entry.pointee.data {
                let text = String(cString: data)
                if text.hasPrefix(prefix) { return String(text.dropFirst(prefix.count)) }
            }
            field = entry.pointee.next
        }
        return nil
    }

    /// curl's millisecond options; clamped so that odd inputs (negative, NaN, huge) stay defined.
    static func milliseconds(_ seconds: Double) -> Int {
        Int(clamping: (seconds * 1000).clamped(to: 1...86_400_000, ifNaN: 86_400_000))
    }
}
