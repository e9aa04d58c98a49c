extension HTTPClient {
    /// 1 MiB: far above any answer hookd reads (tokens, secrets, API errors), far below harm.
    public static let defaultMaxResponseBytes = 1 << 20

    /// Settings shared by every transfer of one client. Safe defaults; TLS verification cannot be turned off.
    public struct Configuration: Sendable {
        /// Limit for TCP connect plus TLS handshake, in seconds; a dead host fails fast instead of
        /// using up the request's whole `timeoutSeconds`.
        public var connectTimeoutSeconds: Double
        /// PEM file of CA certificates to trust instead of the system bundle (CURLOPT_CAINFO), for
        /// private CAs; nil uses the system store. Peer and host name are always verified.
        public var caFile: String?
        /// Sent as `User-Agent` unless a request sets its own.
        public var userAgent: String
        /// Most connections open at once (CURLMOPT_MAX_TOTAL_CONNECTIONS); further transfers wait in
        /// curl's queue, and that wait counts against their `timeoutSeconds`.
        public var maxConcurrentTransfers: Int
        /// The largest response body kept (`http.max_response_bytes`): past it the transfer is
        /// aborted and fails with `HTTPError.responseTooLarge`, so no upstream can fill hookd's memory.
        public var maxResponseBytes: Int
        /// Judges every address a connection of this client is about to be opened to (after DNS,
        /// for redirects too): nil lets it connect, a text refuses it and says why, and a transfer
        /// that could reach no approved address fails with `HTTPError.blockedAddress`. Connections
        /// are only reused within one client, so each one has been judged by this screen. With a
        /// screen, proxies from the environment are ignored: the screen must see the real target.
        public var addressScreen: AddressScreen?

        public init(
            connectTimeoutSeconds: Double = 3, caFile: String? = nil, userAgent: String = "hookd/0.1.0",
            maxConcurrentTransfers: Int = 64, maxResponseBytes: Int = HTTPClient.defaultMaxResponseBytes,
            addressScreen: AddressScreen? = nil
        ) {
            self.connectTimeoutSeconds = connectTimeoutSeconds
            self.caFile = caFile
            self.userAgent = userAgent
            self.maxConcurrentTransfers = maxConcurrentTransfers
            self.maxResponseBytes = maxResponseBytes
            self.addressScreen = addressScreen
        }
    }

    /// An address check: the address as 4 (IPv4) or 16 (IPv6) bytes in network order → nil to
    /// connect, or the reason it is refused (shown to operators; never holds a secret).
    public typealias AddressScreen = @Sendable (_ addressBytes: [UInt8]) -> String?
}
