import ArgumentParser
import Dispatch
import Foundation
import HookClient
import HookJSON

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

/// Colour for people on a terminal; plain text when piped or when `NO_COLOR` is set.
struct TerminalStyle {
    /// What a coloured cell says, whatever the command's own words for it.
    enum Tone {
        case good, bad, warning, muted
    }

    let isTerminal: Bool
    let colours: Bool

    init(stream: Int32) {
        isTerminal = isatty(stream) == 1
        colours = isTerminal && (getenv("NO_COLOR").map { String(cString: $0).isEmpty } ?? true)
    }

    func colour(_ text: String, tone: Tone) -> String {
        guard colours else { return text }
        let code = switch tone {
        case .good: "32"
        case .bad: "31"
        case .warning: "33"
        case .muted: "2"
        }
        return "\u{1B}[\(code)m\(text)\u{1B}[0m"
    }
}

/// The box-drawn tables of `validate-all` and `migrate`: heavy lines on a terminal (as the
/// original validator's table), light ones when piped; one column may be coloured by its text.
enum BoxTable {
    /// The box-drawing characters: corners and joints per row of lines, then the verticals.
    private struct Box {
        var top: (String, String, String), middle: (String, String, String), bottom: (String, String, String)
        var horizontal: String, vertical: String

        static let light = Box(top: ("┌", "┬", "┐"), middle: ("├", "┼", "┤"), bottom: ("└", "┴", "┘"), horizontal: "─", vertical: "│")
        static let heavy = Box(top: ("┏", "┳", "┓"), middle: ("┣", "╋", "┫"), bottom: ("┗", "┻", "┛"), horizontal: "━", vertical: "┃")
    }

    /// - Parameters:
    ///   - rows: one array of cells per row, as many as `headers`.
    ///   - colouredColumn: the column whose cells (not its header) take the colour `tone` gives their text.
    static func render(headers: [String], rows: [[String]], style: TerminalStyle, colouredColumn: Int? = nil,
                       tone: (String) -> TerminalStyle.Tone = { _ in .muted }) -> String {
        let box = style.isTerminal ? Box.heavy : Box.light
        let widths = headers.indices.map { column in ([headers[column]] + rows.map { $0[column] }).map(\.count).max() ?? 0 }
        func line(_ joints: (String, String, String)) -> String {
            joints.0 + widths.map { String(repeating: box.horizontal, count: $0 + 2) }.joined(separator: joints.1) + joints.2 + "\n"
        }
        func row(_ cells: [String], coloured: Bool) -> String {
            var text = box.vertical
            for (index, cell) in cells.enumerated() {
                let padded = " " + cell.padding(to: widths[index]) + " "
                text += (coloured && index == colouredColumn ? style.colour(padded, tone: tone(cell)) : padded) + box.vertical
            }
            return text + "\n"
        }
        var output = line(box.top) + row(headers, coloured: false) + line(box.middle)
        for cells in rows { output += row(cells, coloured: true) }
        return output + line(box.bottom)
    }

    /// A result's webhook as its first cell: the code, marked `(IN)` for an inbound one.
    static func webhookCell(_ result: JSONValue) -> String {
        (result["code"]?.stringValue ?? "?") + (result["direction"] == "IN" ? " (IN)" : "")
    }
}

/// The line a long call keeps up to date on a terminal while hookd works (one call, so the
/// elapsed time is what there is to show); erased before the results print.
final class ProgressLine: @unchecked Sendable {
    // `timer` is only touched on `queue`, where its handler also runs: `finish` erases the line
    // after any update in progress, never before.
    private let label: String
    private let queue = DispatchQueue(label: "hookrpc.progress")
    private var timer: DispatchSourceTimer?
    private let started = ContinuousClock.now

    /// - Parameter label: what hookd is doing, e.g. "Validating webhooks (ALL)…"; the seconds follow it.
    init(label: String) { self.label = label }

    func start() {
        queue.sync { startOnQueue() }
    }

    func finish() {
        queue.sync {
            timer?.cancel()
            timer = nil
            writeToStandardError("\r\u{1B}[K")
        }
    }

    private func startOnQueue() {
        let timer = DispatchSource.makeTimerSource(queue: queue)
        timer.schedule(deadline: .now(), repeating: .milliseconds(500))
        timer.setEventHandler { [label, started] in
            let seconds = (ContinuousClock.now - started).components.seconds
            writeToStandardError("\r\u{1B}[K\(label) \(seconds) s")
        }
        timer.resume()
        self.timer = timer
    }
}
