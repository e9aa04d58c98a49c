/// TLS towards the broker: the broker's certificate is always verified (peer and host name), against
/// `caFile` or, without one, the system's CA directory; a client certificate is optional.
public struct MQTTTLS: Sendable, Equatable {
    /// PEM CA bundle that signed the broker's certificate; nil: `/etc/ssl/certs`.
    public var caFile: String?
    /// PEM client certificate and its key, for brokers that require one (both or neither).
    public var certificateFile: String?
    public var keyFile: String?

    public init(caFile: String? = nil, certificateFile: String? = nil, keyFile: String? = nil) {
        self.caFile = caFile
        self.certificateFile = certificateFile
        self.keyFile = keyFile
    }

    /// The system's CA directory, used when no `caFile` is given.
    static let systemCertificateDirectory = "/etc/ssl/certs"
}
