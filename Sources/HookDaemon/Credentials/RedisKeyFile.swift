import Foundation
import HookLinux

/// hookd's own Redis encryption key when the configuration names none:
/// `<state_dir>/redis-encryption.key`, 32 random bytes in base64, mode 0600, made at first start.
///
/// So `redis.enabled: true` works without a key in the file (the application's config has
/// none), and Redis still never holds a readable credential. Hosts sharing one Redis must share
/// the key; one that does not reads the others' values as misses (see `RedisCredentialTier`).
enum RedisKeyFile {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// The key in `path`, made first when there is none.
    /// - Returns: the key and whether it was made just now.
    /// - Throws: `Failure` when the file cannot be read or made, is not 32 bytes in base64, or
    ///   is readable by group or others.
    static func loadOrCreate(path: String) throws(Failure) -> (key: [UInt8], created: Bool) {
        if FileManager.default.fileExists(atPath: path) { return (try load(path), false) }
        var generator = SystemRandomNumberGenerator()  // getrandom(2): suitable for keys
        let key = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let text = Array((Data(key).base64EncodedString() + "\n").utf8)
        do throws(FileError) {
            let file = try AppendOnlyFile.createNew(path: path, mode: 0o600)
            if let failure = text.withUnsafeBytes({ file.write($0).error }) { throw failure }
            try file.synchronize()
        } catch where error.code == EEXIST {
            return (try load(path), false)  // another hookd on this state directory made it first
        } catch {
            try? FileManager.default.removeItem(atPath: path)
            throw Failure(description: "cannot create the Redis encryption key: \(error.description)")
        }
        return (key, true)
    }

    private static func load(_ path: String) throws(Failure) -> [UInt8] {
        let permissions = (try? FileManager.default.attributesOfItem(atPath: path))?[.posixPermissions] as? Int
        guard let permissions else { throw Failure(description: "cannot read the Redis encryption key \(path)") }
        guard permissions & 0o077 == 0 else {
            throw Failure(description: "the Redis encryption key \(path) is readable by others (mode \(String(permissions, radix: 8))); chmod 600 it")
        }
        guard let data = FileManager.default.contents(atPath: path),
              let key = Data(base64Encoded: String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)),
              key.count == 32 else {
            throw Failure(description: "the Redis encryption key \(path) is not 32 bytes in base64 (make one with `hookd keygen`)")
        }
        return Array(key)
    }
}
