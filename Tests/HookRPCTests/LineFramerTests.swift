import HookRPC
import Testing

/// A reader as the client is one: a buffer of bytes received, framed by a `LineFramer`.
private struct LineReader {
    var framer: LineFramer
    var pending: [UInt8] = []

    init(limit: Int = 1 << 20) { framer = LineFramer(maximumLineLength: limit) }

    mutating func append(_ text: String) { pending.append(contentsOf: text.utf8) }

    /// The next line as text, "<overlong N>", or nil when more bytes are needed.
    mutating func nextLine() -> String? {
        switch pending.withUnsafeBytes({ framer.scan($0) }) {
        case .line(let length):
            let line = String(decoding: pending[..<length], as: UTF8.self)
            pending.removeSubrange(...length)
            return line
        case .overlong(let limit): return "<overlong \(limit)>"
        case .needMoreBytes: return nil
        }
    }
}

@Suite("LineFramer")
struct LineFramerTests {
    @Test("lines that arrive together come out one by one")
    func severalLinesAtOnce() {
        var reader = LineReader()
        reader.append("first\nsecond\nthird\n")
        #expect(reader.nextLine() == "first")
        #expect(reader.nextLine() == "second")
        #expect(reader.nextLine() == "third")
        #expect(reader.nextLine() == nil)
        #expect(reader.pending.isEmpty)
    }

    @Test("a line that arrives in pieces comes out once complete")
    func lineInPieces() {
        var reader = LineReader()
        reader.append(#"{"jsonrpc":"#)
        #expect(reader.nextLine() == nil)
        reader.append(#""2.0"}"#)
        #expect(reader.nextLine() == nil)
        reader.append("\n{\"next")
        #expect(reader.nextLine() == #"{"jsonrpc":"2.0"}"#)
        #expect(reader.nextLine() == nil)
        #expect(reader.pending.count == 6)
    }

    @Test("empty lines are lines")
    func emptyLines() {
        var reader = LineReader()
        reader.append("\n\nx\n")
        #expect(reader.nextLine() == "")
        #expect(reader.nextLine() == "")
        #expect(reader.nextLine() == "x")
    }

    @Test("a carriage return stays part of the line")
    func carriageReturn() {
        var reader = LineReader()
        reader.append("a\r\n")
        #expect(reader.nextLine() == "a\r")
    }

    @Test("a line of exactly the limit passes")
    func exactlyTheLimit() {
        var reader = LineReader(limit: 8)
        reader.append("12345678")
        #expect(reader.nextLine() == nil)
        reader.append("\n")
        #expect(reader.nextLine() == "12345678")
    }

    @Test("a line past the limit is reported before its newline arrives")
    func overlongWithoutNewline() {
        var reader = LineReader(limit: 8)
        reader.append("12345")
        #expect(reader.nextLine() == nil)
        reader.append("6789")
        #expect(reader.nextLine() == "<overlong 8>")
    }

    @Test("a line past the limit is reported also when its newline is there")
    func overlongWithNewline() {
        var reader = LineReader(limit: 8)
        reader.append("123456789\nok\n")
        #expect(reader.nextLine() == "<overlong 8>")
    }

    @Test("a good line before an over-long one still comes out")
    func goodLineFirst() {
        var reader = LineReader(limit: 8)
        reader.append("ok\n0123456789abcdef\n")
        #expect(reader.nextLine() == "ok")
        #expect(reader.nextLine() == "<overlong 8>")
    }

    @Test("a newline after many partial pieces is found (the search resumes where it stopped)")
    func searchResumes() {
        var reader = LineReader()
        for _ in 0..<100 {
            reader.append("ab")
            #expect(reader.nextLine() == nil)
        }
        reader.append("\n")
        #expect(reader.nextLine() == String(repeating: "ab", count: 100))
    }

    @Test("the default limit is 1 MiB")
    func defaultLimit() {
        #expect(LineFramer().maximumLineLength == 1_048_576)
    }
}
