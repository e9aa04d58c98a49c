import FuzzSupport
import HookDaemon
import Yams

/// Loads fuzzed text as hookd's configuration file: `ConfigurationLoader.parse` must either
/// return a configuration or throw a `ConfigurationError` that names the file, and never trap.
///
/// The loader reads secret files while parsing (`password_file`, `client_secret_file`, …), so a
/// text whose `*_file` keys name anything but a plain file in the harness's own credentials
/// directory is left out (`SecretFileScreen`): the fuzzer must not read `/dev/zero` or the
/// machine's files. Such inputs return -1, which keeps them out of the corpus.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfig(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    // Screened only when it could name a secret file; text that is not YAML never reaches one.
    if SecretFileScreen.mayNameSecretFile(text), let root = try? Yams.compose(yaml: text), !SecretFileScreen.admits(root) {
        return -1
    }
    let loader = ConfigurationLoader(environment: ScratchCredentials.environment, daemonUserID: 1000)
    do throws(ConfigurationError) {
        let configuration = try loader.parse(text, file: "fuzz.yaml")
        if let key = configuration.redis.encryptionKey {
            expectProperty(key.count == 32, "a Redis encryption key of \(key.count) bytes, not 32")
        } else if configuration.redis.enabled {
            // hookd makes its own key at start; the file's reader must be told.
            expectProperty(configuration.startWarnings.contains { $0.contains("redis-encryption.key") },
                           "redis enabled without a key and without saying where hookd keeps its own")
        }
    } catch {
        expectProperty(error.file == "fuzz.yaml", "an error names the file '\(error.file)': \(error)")
        expectProperty(!error.problem.isEmpty, "an error without a problem: \(error)")
    }
    return 0
}
