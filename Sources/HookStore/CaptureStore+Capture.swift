extension CaptureStore {
    /// How the sandbox answered a captured request.
    public enum Outcome: String, Sendable, Equatable {
        /// An HTTP response was sent (`status` says which).
        case answered
        /// The connection was closed without a reply (script `close: true`).
        case closed
        /// The request was held open with no reply (script `hang: true`).
        case hung
    }

    /// A signature verdict on a captured request: hookd's `inbound.verify`, or the sandbox's own check.
    public struct SignatureVerdict: Sendable, Equatable {
        /// The signature matched, within tolerance, and the event was not a replay.
        public var valid: Bool
        /// Why it is not valid (`bad_signature`, `replayed`, …) or why no verdict could be had.
        public var reason: String?
        /// Who judged it: `hookd` or `sandbox` (rows stored before v2 read as `hookd`).
        public var checkedBy: String

        public init(valid: Bool, reason: String?, checkedBy: String = "hookd") {
            self.valid = valid
            self.reason = reason
            self.checkedBy = checkedBy
        }
    }

    /// A request as received, before the store gives it an id.
    public struct NewCapture: Sendable, Equatable {
        /// The endpoint's name (the `<name>` of `/in/<name>/…`).
        public var endpoint: String
        /// The request method as sent (`POST`, or any other token).
        public var method: String
        /// The request's path without the query, as sent.
        public var path: String
        /// The query string without the `?`, empty when there was none.
        public var query: String
        /// Header names and values in arrival order; the store joins a repeated name's values with ", ".
        public var headers: [(name: String, value: String)]
        /// The exact body bytes.
        public var body: [UInt8]
        /// Seconds since 1970 the request arrived.
        public var receivedAt: Double
        /// The client's address (`127.0.0.1:53211`), `unknown` when the transport has none.
        public var peer: String
        /// Whether the sandbox answered, closed the connection or held the request.
        public var outcome: Outcome
        /// The status answered; nil when the sandbox closed or held the connection.
        public var status: Int?
        /// The delay the script applied before answering, in milliseconds.
        public var latencyMilliseconds: Int
        /// hookd's verdict, nil when the endpoint has no webhook code or no hookd was given.
        public var signature: SignatureVerdict?

        public init(
            endpoint: String, method: String, path: String, query: String, headers: [(name: String, value: String)],
            body: [UInt8], receivedAt: Double, peer: String, outcome: Outcome, status: Int?, latencyMilliseconds: Int,
            signature: SignatureVerdict?
        ) {
            self.endpoint = endpoint
            self.method = method
            self.path = path
            self.query = query
            self.headers = headers
            self.body = body
            self.receivedAt = receivedAt
            self.peer = peer
            self.outcome = outcome
            self.status = status
            self.latencyMilliseconds = latencyMilliseconds
            self.signature = signature
        }

        public static func == (lhs: NewCapture, rhs: NewCapture) -> Bool {
            lhs.endpoint == rhs.endpoint && lhs.method == rhs.method && lhs.path == rhs.path && lhs.query == rhs.query
                && lhs.headers.elementsEqual(rhs.headers, by: { $0.name == $1.name && $0.value == $1.value })
                && lhs.body == rhs.body && lhs.receivedAt == rhs.receivedAt && lhs.peer == rhs.peer
                && lhs.outcome == rhs.outcome && lhs.status == rhs.status
                && lhs.latencyMilliseconds == rhs.latencyMilliseconds && lhs.signature == rhs.signature
        }
    }

    /// A stored capture: the request and its monotonic id.
    public struct Capture: Sendable, Equatable {
        /// Increases with every capture and is never reused.
        public var id: Int64
        /// What arrived and how it was answered.
        public var request: NewCapture

        public init(id: Int64, request: NewCapture) {
            self.id = id
            self.request = request
        }
    }

    /// The store's counters, for `/api/stats`.
    public struct Statistics: Sendable, Equatable {
        /// Captures held now.
        public var captures: Int
        /// Captures dropped (oldest first) to stay within `maxCaptures`, since the store was created.
        public var dropped: Int
    }
}
