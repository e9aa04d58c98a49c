extension HTTPError {
    /// The awaiting task was cancelled; the transfer was abandoned and its connection closed.
    ///
    /// Code 42 is curl's `CURLE_ABORTED_BY_CALLBACK`, the code curl itself uses for transfers the
    /// application stopped, so callers that switch on `curlCode` see one code for "we gave up".
    public static let cancelled = HTTPError(curlCode: 42, message: "cancelled")

    /// The response body grew past `limit` bytes and the transfer was aborted there.
    ///
    /// Code 63 is curl's `CURLE_FILESIZE_EXCEEDED`, which curl itself reports when the announced
    /// `Content-Length` is over the limit (CURLOPT_MAXFILESIZE); a body without one is stopped by
    /// the write callback and reported with the same code and words.
    public static func responseTooLarge(limit: Int) -> HTTPError {
        HTTPError(curlCode: responseTooLargeCode, message: "response body larger than \(limit) bytes; transfer aborted")
    }

    /// `responseTooLarge`'s code.
    public static let responseTooLargeCode = 63

    /// Every address the host resolved to was refused by the client's `addressScreen`, so no
    /// connection was opened and nothing was sent. The message is the screen's reason.
    ///
    /// Code -2: hookd's own refusal, which no curl code describes (curl itself saw a failed connect).
    public static func blockedAddress(_ reason: String) -> HTTPError {
        HTTPError(curlCode: blockedAddressCode, message: reason)
    }

    /// `blockedAddress`'s code.
    public static let blockedAddressCode = -2

    /// The `HTTPClient` was shut down (or deinitialised) before the transfer finished.
    public static let shutDown = HTTPError(curlCode: -1, message: "HTTP client is shut down")
}
