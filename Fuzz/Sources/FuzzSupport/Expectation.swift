/// Stops the run when a property of hookd's code does not hold.
///
/// A harness states what must be true of every input (a reply is valid JSON, a lifetime is
/// clamped); a failure traps, and libFuzzer saves the input that broke it as a `crash-…` file
/// exactly as for any other crash.
/// - Parameters:
///   - condition: the property, for this input.
///   - message: what went wrong, with the values that show it; built only on failure.
public func expectProperty(
    _ condition: Bool, _ message: @autoclosure () -> String, file: StaticString = #fileID, line: UInt = #line
) {
    guard !condition else { return }
    fatalError("fuzz property failed: \(message())", file: file, line: line)
}
