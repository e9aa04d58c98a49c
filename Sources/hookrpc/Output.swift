import ArgumentParser
import Foundation
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

/// A `--header 'Name: value'` argument, the value's surrounding blanks trimmed.
func headerField(_ argument: String) throws -> (name: String, value: String) {
    guard let colon = argument.firstIndex(of: ":"), colon != argument.startIndex else {
        throw ValidationError("--header wants 'Name: value', got '\(argument)'")
    }
    return (String(argument[..<colon]), argument[argument.index(after: colon)...].trimmingCharacters(in: .whitespaces))
}

/// The bytes of a `@FILE` (`@-`: standard input) argument, or of the argument itself.
func argumentBytes(_ argument: String) throws -> [UInt8] {
    if argument == "@-" { return Array(FileHandle.standardInput.readDataToEndOfFile()) }
    guard argument.hasPrefix("@") else { return Array(argument.utf8) }
    guard let data = FileManager.default.contents(atPath: String(argument.dropFirst())) else {
        throw ValidationError("cannot read \(argument.dropFirst())")
    }
    return Array(data)
}

func writeToStandardError(_ text: String) {
    var bytes = Array(text.utf8)
    _ = Glibc.write(STDERR_FILENO, &bytes, bytes.count)
}

extension String {
    func padding(to width: Int) -> String { self + String(repeating: " ", count: max(0, width - count)) }
}

