extension HTTPClient {
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

        public init(
            connectTimeoutSeconds: Double = 3, caFile: String? = nil, userAgent: String = "hookd/0.1.0",
            maxConcurrentTransfers: Int = 64
        ) {
            self.connectTimeoutSeconds = connectTimeoutSeconds
            self.caFile = caFile
            self.userAgent = userAgent
            self.maxConcurrentTransfers = maxConcurrentTransfers
        }
    }
}
