import LeapfrogPlot

/// One picture of the report with the numbers shown beside it.
struct Figure: Hashable {
    /// The picture; its `id` is also the `.svg` file's name.
    var plot: Plot
    /// What the picture shows, in a sentence or two (under it on the page).
    var caption: String
    /// Numbers beside the picture.
    var table: HTMLTable?

    var fileName: String { plot.id + ".svg" }
}

/// A small table of text cells, escaped when rendered.
struct HTMLTable: Hashable {
    var headers: [String]
    var rows: [[String]]
    /// Rows beyond this go into a collapsed `<details>` block, so long tables stay out of the way.
    var visibleRows: Int = 12

    func html() -> String {
        func row(_ cells: [String], _ tag: String) -> String {
            "<tr>" + cells.map { "<\(tag)>\(SVGText.escape($0))</\(tag)>" }.joined() + "</tr>"
        }
        let head = "<thead>" + row(headers, "th") + "</thead>"
        let shown = rows.prefix(visibleRows).map { row($0, "td") }.joined()
        var s = "<table>" + head + "<tbody>" + shown + "</tbody></table>"
        if rows.count > visibleRows {
            s += "<details><summary>\(rows.count - visibleRows) more rows</summary><table>" + head + "<tbody>"
                + rows.dropFirst(visibleRows).map { row($0, "td") }.joined() + "</tbody></table></details>"
        }
        return s
    }
}

/// A titled part of the page: an introduction, its figures, and free-standing tables.
struct Section: Hashable {
    var title: String
    var text: String
    var figures: [Figure]
    var tables: [HTMLTable] = []
    /// Figures whose id starts with this begin a new row (one row per quantity); nil: one row.
    var rowsBreakAt: String? = nil
}

/// Number formatting for the page's tables.
enum Cell {
    static func number(_ x: Double, _ digits: Int = 3) -> String { SVGText.significant(x, digits: digits) }
    static func integer(_ x: Double) -> String { x.isFinite ? SVGText.fixed(x, decimals: 0) : SVGText.significant(x) }
}
