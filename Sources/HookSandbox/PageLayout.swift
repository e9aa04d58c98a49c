/// The head and tail every sandbox page shares: inline CSS, no external assets.
enum PageLayout {
    static func head(title: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>\(HTML.escape(title))</title>
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <style>
        body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; }
        table { border-collapse: collapse; margin-bottom: 1.5em; }
        th, td { border-bottom: 1px solid #ddd; padding: 0.25em 0.75em; text-align: left; vertical-align: top; }
        th { background: #f4f4f4; }
        code, pre { font: 13px ui-monospace, monospace; }
        pre { background: #f7f7f7; padding: 0.75em; overflow-x: auto; white-space: pre-wrap; word-break: break-all; }
        .valid { color: #11772d; } .invalid { color: #b3261e; } tr.live { background: #fffbe6; }
        </style></head><body>

        """
    }

    static let tail = "</body></html>\n"
}
