import ArgumentParser
import HookClient

#if canImport(Glibc)
import Glibc
#endif

/// Runs a client call, turning its failure into a message on stderr and a meaningful exit status.
func perform<Value>(_ body: () throws -> Value) throws -> Value {
    do {
        return try body()
    } catch let error as HookClientError {
        writeToStandardError("hookrpc: \(error.description)\n")
        switch error {
        case .reply: throw ExitCode(1)
        case .connection, .timeout, .protocolViolation, .untrustedServer: throw ExitCode(3)
        }
    }
}

func writeToStandardError(_ text: String) {
    var bytes = Array(text.utf8)
    _ = Glibc.write(STDERR_FILENO, &bytes, bytes.count)
}

extension String {
    func padding(to width: Int) -> String { self + String(repeating: " ", count: max(0, width - count)) }
}

