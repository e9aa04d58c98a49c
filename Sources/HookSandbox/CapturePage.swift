#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import HookCore
import HookJSON
import HookStore

/// A capture's detail page (`/captures/{id}`): what arrived and how it was answered, headers
/// masked by hookd's log rules (`Masker`), the body pretty-printed when it is JSON and raw.
enum CapturePage {
    static func render(_ capture: CaptureStore.Capture, masker: Masker) -> String {
        let request = capture.request
        var html = PageLayout.head(title: "capture \(capture.id)")
        html += "<p><a href=\"/\">← inbox</a></p>\n<h1>Capture \(capture.id)</h1>\n"
        // The query can carry a secret too (`?token=…`): masked by the same rules as a logged URL.
        let target = masker.maskURL(request.query.isEmpty ? request.path : request.path + "?" + request.query)
        let facts: [(String, String)] = [
            ("Endpoint", HTML.escape(request.endpoint)),
            ("Request", "<code>\(HTML.escape(request.method)) \(HTML.escape(target))</code>"),
            ("Received", HTML.escape(ISO8601.format(request.receivedAt, fractionalDigits: 3))),
            ("Peer", HTML.escape(request.peer)),
            ("Answered", InboxPage.answered(request)),
            ("Latency", "\(request.latencyMilliseconds) ms"),
            ("Signature", InboxPage.verdict(request.signature)),
            ("Body size", "\(request.body.count) bytes"),
        ]
        html += "<table id=\"facts\"><tbody>\n"
        for (name, value) in facts { html += "<tr><th>\(name)</th><td>\(value)</td></tr>\n" }
        html += "</tbody></table>\n<h2>Headers</h2>\n<table id=\"headers\"><tbody>\n"
        let masked = masker.maskHeaders(CaptureStore.headerObject(request.headers))
        for member in masked.members {
            let value = member.value.stringValue ?? member.value.compactText
            html += "<tr><th>\(HTML.escape(member.key))</th><td><code>\(HTML.escape(value))</code></td></tr>\n"
        }
        html += "</tbody></table>\n"
        if let json = try? JSONValue.parse(request.body) {
            html += "<h2>Body (JSON)</h2>\n<pre id=\"body-json\">\(HTML.escape(json.prettyText()))</pre>\n"
        }
        html += "<h2>Raw body</h2>\n"
        if let text = String(validating: request.body, as: UTF8.self) {
            html += "<pre id=\"body-raw\">\(HTML.escape(text))</pre>\n"
        } else {
            html += "<p>Not UTF-8; base64:</p>\n<pre id=\"body-raw\">\(Data(request.body).base64EncodedString())</pre>\n"
        }
        html += PageLayout.tail
        return html
    }
}
