import HookRPC
import Testing

private func line(_ text: String) -> LineFramer.Frame { .line(Array(text.utf8)) }

@Suite("LineFramer")
struct LineFramerTests {
    @Test("several lines in one append come out one by one, in order")
    func severalLinesInOneAppend() {
        var framer = LineFramer()
        framer.append(Array("first\nsecond\nthird\n".utf8))
        #expect(framer.nextLine() == line("first"))
        #expect(framer.nextLine() == line("second"))
        #expect(framer.nextLine() == line("third"))
        #expect(framer.nextLine() == nil)
        #expect(framer.pendingByteCount == 0)
    }

    @Test("a line split across appends comes out once it is complete")
    func lineSplitAcrossAppends() {
        var framer = LineFramer()
        framer.append(Array(#"{"jsonrpc":"#.utf8))
        #expect(framer.nextLine() == nil)
        framer.append(Array(#""2.0"}"#.utf8))
        #expect(framer.nextLine() == nil)
        framer.append(Array("\n{\"next".utf8))
        #expect(framer.nextLine() == line(#"{"jsonrpc":"2.0"}"#))
        #expect(framer.nextLine() == nil)
        #expect(framer.pendingByteCount == 6)
    }

    @Test("an empty line is a line with no bytes")
    func emptyLine() {
        var framer = LineFramer()
        framer.append(Array("\n\nx\n".utf8))
        #expect(framer.nextLine() == .line([]))
        #expect(framer.nextLine() == .line([]))
        #expect(framer.nextLine() == line("x"))
    }

    @Test("the newline is not part of the line, a carriage return is")
    func carriageReturnKept() {
        var framer = LineFramer()
        framer.append(Array("a\r\n".utf8))
        #expect(framer.nextLine() == line("a\r"))
    }

    @Test("a line of exactly the limit is accepted")
    func lineAtLimit() {
        var framer = LineFramer(maximumLineLength: 8)
        framer.append(Array("12345678".utf8))
        #expect(framer.nextLine() == nil)
        framer.append(Array("\n".utf8))
        #expect(framer.nextLine() == line("12345678"))
    }

    @Test("a pending line past the limit is overlong before any newline arrives")
    func overlongWithoutNewline() {
        var framer = LineFramer(maximumLineLength: 8)
        framer.append(Array("12345".utf8))
        #expect(framer.nextLine() == nil)
        framer.append(Array("6789".utf8))
        #expect(framer.nextLine() == .overlong(limit: 8))
    }

    @Test("a complete line past the limit is overlong")
    func overlongWithNewline() {
        var framer = LineFramer(maximumLineLength: 8)
        framer.append(Array("123456789\nok\n".utf8))
        #expect(framer.nextLine() == .overlong(limit: 8))
    }

    @Test("an overlong line after a good one is still detected")
    func overlongAfterGoodLine() {
        var framer = LineFramer(maximumLineLength: 8)
        framer.append(Array("ok\n0123456789abcdef\n".utf8))
        #expect(framer.nextLine() == line("ok"))
        #expect(framer.nextLine() == .overlong(limit: 8))
    }

    @Test("the default limit is 1 MiB")
    func defaultLimit() {
        #expect(LineFramer().maximumLineLength == 1_048_576)
    }
}
