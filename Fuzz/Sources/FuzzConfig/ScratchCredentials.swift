import Foundation

/// The config harness's credentials directory and environment: a private temporary directory
/// with a few secret files, named by `$CREDENTIALS_DIRECTORY`, so that a `*_file` key with a
/// plain name reads one of them or finds nothing.
///
/// Made once per process under `$TMPDIR` (`scripts/fuzz.sh` points it into `.build-fuzz`) and
/// removed at exit; a crashing run leaves it behind there.
enum ScratchCredentials {
    /// The secret files, by name: plain, with a trailing newline, empty, and a valid Redis
    /// encryption key (32 bytes in base64).
    static let files: [String: String] = [
        "secret": "s3cr3t-value",
        "secret-newline": "hunter2-hunter2\r\n",
        "empty": "",
        "redis-encryption-key": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=\n",
    ]

    /// The directory holding `files`.
    static let directory: String = makeDirectory()

    /// The environment the loader expands `${VAR}` from.
    static var environment: [String: String] {
        [
            "CREDENTIALS_DIRECTORY": directory,
            "HOOKD_FUZZ": "value",
            "HOOKD_FUZZ_EMPTY": "",
            "HOOKD_FUZZ_PORT": "6379",
            "HOOKD_FUZZ_KEY": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
        ]
    }

    private static func makeDirectory() -> String {
        let base = ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        var template = Array("\(base)/hookd-fuzz-config.XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else {
            fatalError("cannot make a temporary directory under \(base): \(String(cString: strerror(errno)))")
        }
        let path = String(cString: made)
        for (name, contents) in files {
            guard FileManager.default.createFile(atPath: "\(path)/\(name)", contents: Data(contents.utf8)) else {
                fatalError("cannot write \(path)/\(name)")
            }
        }
        atexit { ScratchCredentials.removeDirectory() }
        return path
    }

    private static func removeDirectory() {
        do {
            try FileManager.default.removeItem(atPath: directory)
        } catch {
            FileHandle.standardError.write(Data("fuzz-config: could not remove \(directory): \(error)\n".utf8))
        }
    }
}
