import HookCore
import HookJSON
import HookStore

/// The inbox page at `/`, rendered on the server so it works without JavaScript (and with
/// `chromium --dump-dom`): endpoints, then captures newest first. A small inline script adds
/// rows from `/api/events` once the page has loaded (after `load`, so a headless browser
/// dumping the DOM is not held by the open stream).
enum InboxPage {
    /// How many captures the page shows; the API pages through the rest.
    static let rowLimit = 200

    static func render(
        endpoints: [(name: String, script: SandboxScript?, captures: Int)], captures: [CaptureStore.Capture],
        statistics: CaptureStore.Statistics, endpointFilter: String?
    ) -> String {
        var html = PageLayout.head(title: "hooksandbox inbox")
        html += "<h1>hooksandbox inbox</h1>\n"
        html += "<p id=\"stats\">\(statistics.captures) captures held, \(statistics.dropped) dropped. "
        html += "Send anything to <code>/in/&lt;name&gt;</code>; set scripts with <code>POST /api/endpoints/&lt;name&gt;/script</code>.</p>\n"
        html += "<h2>Endpoints</h2>\n"
        if endpoints.isEmpty {
            html += "<p id=\"no-endpoints\">No endpoints yet.</p>\n"
        } else {
            html += "<table id=\"endpoints\"><thead><tr><th>Endpoint</th><th>Captures</th><th>Script</th></tr></thead><tbody>\n"
            for endpoint in endpoints {
                let name = HTML.escape(endpoint.name)
                let script = endpoint.script.map { HTML.escape($0.json.compactText) } ?? "default: 200 {\"ok\":true}"
                html += "<tr><td><a href=\"/?endpoint=\(name)\">\(name)</a></td><td>\(endpoint.captures)</td><td><code>\(script)</code></td></tr>\n"
            }
            html += "</tbody></table>\n"
        }
        if let endpointFilter {
            html += "<h2>Captures of \(HTML.escape(endpointFilter)) <a href=\"/\">(all)</a></h2>\n"
        } else {
            html += "<h2>Captures</h2>\n"
        }
        html += "<table id=\"captures\"><thead><tr><th>#</th><th>Received</th><th>Endpoint</th><th>Method</th><th>Path</th>"
        html += "<th>Answered</th><th>Latency</th><th>Signature</th></tr></thead><tbody>\n"
        for capture in captures { html += row(capture) }
        html += "</tbody></table>\n"
        if captures.isEmpty { html += "<p id=\"no-captures\">No captures yet.</p>\n" }
        html += script(endpointFilter: endpointFilter)
        html += PageLayout.tail
        return html
    }

    /// One capture's row; the inline script builds the same cells for live rows.
    static func row(_ capture: CaptureStore.Capture) -> String {
        let request = capture.request
        let cells = [
            "<a href=\"/captures/\(capture.id)\">\(capture.id)</a>",
            HTML.escape(ISO8601.format(request.receivedAt, fractionalDigits: 3)),
            HTML.escape(request.endpoint),
            HTML.escape(request.method),
            HTML.escape(request.path),
            answered(request),
            "\(request.latencyMilliseconds) ms",
            verdict(request.signature),
        ]
        return "<tr class=\"capture\" data-id=\"\(capture.id)\">" + cells.map { "<td>\($0)</td>" }.joined() + "</tr>\n"
    }

    static func answered(_ request: CaptureStore.NewCapture) -> String {
        switch request.outcome {
        case .answered: request.status.map(String.init) ?? "?"
        case .closed: "closed"
        case .hung: "hung"
        }
    }

    /// The verdict and who gave it (`valid (sandbox)`); a dash when there is none.
    static func verdict(_ stored: CaptureStore.SignatureVerdict?) -> String {
        guard let stored else { return "–" }
        let signature = CaptureVerdict(stored: stored)
        let checker = " <small class=\"checked-by\">(\(signature.checkedBy.rawValue))</small>"
        if signature.valid { return "<span class=\"valid\">valid</span>" + checker }
        return "<span class=\"invalid\">invalid: \(HTML.escape(signature.reason ?? "unknown"))</span>" + checker
    }

    /// Adds a row for each capture from `/api/events`, newest on top.
    private static func script(endpointFilter: String?) -> String {
        let filter = endpointFilter.map { JSONValue.string($0).compactText } ?? "null"
        return """
            <script>
            window.addEventListener('load', function () {
              setTimeout(function () {
                if (!window.EventSource) return;
                var filter = \(HTML.scriptSafe(filter));
                var body = document.querySelector('#captures tbody');
                function cell(row, text, href) {
                  var td = document.createElement('td');
                  if (href) { var a = document.createElement('a'); a.href = href; a.textContent = text; td.appendChild(a); }
                  else { td.textContent = text; }
                  row.appendChild(td);
                }
                var source = new EventSource('/api/events');
                source.addEventListener('capture', function (message) {
                  var c = JSON.parse(message.data);
                  if (filter !== null && c.endpoint !== filter) return;
                  if (document.querySelector('tr.capture[data-id="' + c.id + '"]')) return;
                  var row = document.createElement('tr');
                  row.className = 'capture live';
                  row.setAttribute('data-id', c.id);
                  cell(row, String(c.id), '/captures/' + c.id);
                  cell(row, c.received_at);
                  cell(row, c.endpoint);
                  cell(row, c.method);
                  cell(row, c.path);
                  cell(row, c.outcome === 'answered' ? String(c.status) : c.outcome);
                  cell(row, c.latency_ms + ' ms');
                  cell(row, c.signature ? (c.signature.valid ? 'valid' : 'invalid: ' + (c.signature.reason || 'unknown'))
                    + ' (' + c.signature.checked_by + ')' : '\\u2013');
                  body.insertBefore(row, body.firstChild);
                  var empty = document.getElementById('no-captures');
                  if (empty) empty.remove();
                });
              }, 0);
            });
            </script>

            """
    }
}
