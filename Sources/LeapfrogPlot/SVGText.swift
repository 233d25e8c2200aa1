import LeapfrogCore

/// Text and numbers as they go into SVG (and HTML): escaped, and numbers short.
public enum SVGText {
    /// `text` with `&`, `<`, `>`, `"` and `'` replaced by entities, so it is safe as element
    /// content and as an attribute value in double or single quotes (XML 1.0 §2.4, §3.3.3).
    /// Control characters XML cannot hold (all below U+0020 except tab, newline, return) are dropped.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
            default:
                if scalar.value >= 0x20 { out.unicodeScalars.append(scalar) }
            }
        }
        return out
    }

    /// A coordinate with at most two decimals, no trailing zeros (`12.5`, `3`, `-0.25`): enough
    /// for a screen and short, which keeps large figures small.
    public static func coordinate(_ x: Double) -> String {
        guard x.isFinite else { return "0" }
        var s = NumberFormat.fixed(x, decimals: 2)
        while s.last == "0" { s.removeLast() }
        if s.last == "." { s.removeLast() }
        return s == "-0" ? "0" : s
    }

    /// `x` rounded half away from zero to `decimals` places (LeapfrogCore's `NumberFormat`, the
    /// package's one formatter). Non-finite values: "NaN", "inf", "-inf".
    public static func fixed(_ x: Double, decimals: Int) -> String { NumberFormat.fixed(x, decimals: decimals) }

    /// `x` with `digits` significant digits, scientific (`1.23e-05`) when |x| < 10⁻³ or ≥ 10⁶
    /// (`NumberFormat.significant`), for labels and tables.
    public static func significant(_ x: Double, digits: Int = 3) -> String { NumberFormat.significant(x, digits: digits) }
}
