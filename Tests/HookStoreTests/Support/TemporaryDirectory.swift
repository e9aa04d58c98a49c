import Foundation

/// A private directory under /tmp for one test, removed with everything in it afterwards.
func withTemporaryDirectory<Result>(_ body: (String) throws -> Result) throws -> Result {
    var template = Array("/tmp/hookstore-test-XXXXXX".utf8CString)
    let directory = try template.withUnsafeMutableBufferPointer { buffer -> String in
        guard let base = buffer.baseAddress, mkdtemp(base) != nil else {
            throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
        }
        return String(cString: base)
    }
    defer { try? FileManager.default.removeItem(atPath: directory) }
    return try body(directory)
}

/// The permission bits of a file or directory, e.g. 0o600.
func permissions(of path: String) throws -> mode_t {
    var info = stat()
    guard stat(path, &info) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
    return info.st_mode & 0o777
}
