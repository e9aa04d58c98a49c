import CCurl

/// The one place that calls `curl_global_init`.
///
/// `curl_global_init` is not thread-safe and must run once before any other curl call; a `static let`
/// is initialised exactly once, atomically, on first use from any thread.
enum CurlGlobal {
    private static let initResult: CURLcode = curl_global_init(Int(CURL_GLOBAL_DEFAULT))

    /// Runs `curl_global_init` on first call; later calls return the first result.
    @discardableResult
    static func initialize() -> CURLcode { initResult }
}
