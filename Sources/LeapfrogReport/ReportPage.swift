import LeapfrogPlot

/// `report.html`: one self-contained page — inline SVG, a style sheet in the head, no script
/// and nothing fetched — with each figure's table beside it.
struct ReportPage {
    var title: String
    /// Facts about the run (model, sampler, chains, …), shown first.
    var facts: [(String, String)]
    var warnings: [String]
    var sections: [Section]

    static let style = """
        body{font-family:sans-serif;margin:1.5em;color:#222;max-width:1500px}
        h1{font-size:1.5em}h2{font-size:1.2em;border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:1.6em}
        .row{display:flex;flex-wrap:wrap;gap:1.2em;align-items:flex-start}
        figure{margin:0 0 1em 0;display:flex;flex-wrap:wrap;gap:.8em;align-items:flex-start}
        figcaption{font-size:.85em;color:#444;max-width:560px}
        table{border-collapse:collapse;font-size:.8em;margin:.2em 0}
        td,th{border:1px solid #ddd;padding:2px 6px;text-align:right}th{background:#f4f4f4}
        td:first-child,th:first-child{text-align:left}
        .warnings li{color:#8a2a00}.facts td{text-align:left}
        details summary{cursor:pointer;font-size:.8em;color:#555}
        """

    func html() -> String {
        let e = SVGText.escape
        var s = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>\(e(title))</title>\n"
        s += "<style>\n\(Self.style)\n</style>\n</head>\n<body>\n<h1>\(e(title))</h1>\n"
        s += "<table class=\"facts\"><tbody>" + facts.map { "<tr><th>\(e($0.0))</th><td>\(e($0.1))</td></tr>" }.joined() + "</tbody></table>\n"
        if !warnings.isEmpty {
            s += "<ul class=\"warnings\">" + warnings.map { "<li>\(e($0))</li>" }.joined() + "</ul>\n"
        }
        for section in sections {
            s += "<section>\n<h2>\(e(section.title))</h2>\n"
            if !section.text.isEmpty { s += "<p>\(e(section.text))</p>\n" }
            s += "<div class=\"row\">\n"
            for (i, f) in section.figures.enumerated() {
                if i > 0, let prefix = section.rowsBreakAt, f.plot.id.hasPrefix(prefix) { s += "</div>\n<div class=\"row\">\n" }
                s += "<figure id=\"\(e(f.plot.id))\"><div>\n" + f.plot.svg()
                if !f.caption.isEmpty { s += "<figcaption>\(e(f.caption))</figcaption>" }
                s += "</div>" + (f.table?.html() ?? "") + "</figure>\n"
            }
            s += "</div>\n"
            for t in section.tables { s += t.html() + "\n" }
            s += "</section>\n"
        }
        s += "</body>\n</html>\n"
        return s
    }
}
