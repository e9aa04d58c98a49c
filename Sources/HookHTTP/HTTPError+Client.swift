extension HTTPError {
    /// The awaiting task was cancelled; the transfer was abandoned and its connection closed.
    ///
    /// Code 42 is curl's `CURLE_ABORTED_BY_CALLBACK`, the code curl itself uses for transfers the
    /// application stopped, so callers that switch on `curlCode` see one code for "we gave up".
    public static let cancelled = HTTPError(curlCode: 42, message: "cancelled")

    /// The `HTTPClient` was shut down (or deinitialised) before the transfer finished.
    public static let shutDown = HTTPError(curlCode: -1, message: "HTTP client is shut down")
}
