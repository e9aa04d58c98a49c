extension DeliveryRecord {
    /// What is sent: the caller's request as it was enqueued. The webhook's URL, static headers,
    /// credential and signature are added at send time and never stored here.
    public struct Payload: Sendable, Equatable {
        /// The HTTP method, e.g. `POST`.
        public var method: String
        /// The caller's own headers (names as given). Never a credential of hookd's.
        public var headers: [String: String]
        /// The body's bytes, exactly as they will be sent.
        public var body: [UInt8]
        /// The `Content-Type` to send; nil sends none.
        public var contentType: String?

        public init(method: String = "POST", headers: [String: String] = [:], body: [UInt8], contentType: String? = nil) {
            self.method = method
            self.headers = headers
            self.body = body
            self.contentType = contentType
        }
    }
}
