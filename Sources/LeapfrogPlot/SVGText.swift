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
        return fixed(x, decimals: 2, trimZeros: true)
    }

    /// `x` rounded half away from zero to `decimals` places; `trimZeros` drops trailing zeros
    /// and a trailing point. Non-finite values: "NaN", "inf", "-inf".
    public static func fixed(_ x: Double, decimals: Int, trimZeros: Bool = false) -> String {
        if x.isNaN { return "NaN" }
        if x.isInfinite { return x > 0 ? "inf" : "-inf" }
        var scale = 1.0
        for _ in 0..<max(decimals, 0) { scale *= 10 }
        let scaled = (abs(x) * scale).rounded()
        guard scaled < 9e18 else { return scientific(x) }
        var digits = String(UInt64(scaled))
        let sign = x < 0 && scaled != 0 ? "-" : ""
        if decimals <= 0 { return sign + digits }
        if digits.count <= decimals { digits = String(repeating: "0", count: decimals + 1 - digits.count) + digits }
        var whole = String(digits.dropLast(decimals)), fraction = String(digits.suffix(decimals))
        if trimZeros {
            while fraction.last == "0" { fraction.removeLast() }
        }
        if whole.isEmpty { whole = "0" }
        return sign + whole + (fraction.isEmpty ? "" : "." + fraction)
    }

    /// `x` with about `digits` significant digits, scientific (`1.2e-05`) when |x| < 10⁻³ or
    /// ≥ 10⁶, for labels and tables.
    public static func significant(_ x: Double, digits: Int = 3) -> String {
        if !x.isFinite || x == 0 { return fixed(x, decimals: 0) }
        let a = abs(x)
        if a < 1e-3 || a >= 1e6 { return scientific(x, digits: digits) }
        var e = 0
        var m = a
        while m >= 10 { m /= 10; e += 1 }
        while m < 1 { m *= 10; e -= 1 }
        return fixed(x, decimals: max(digits - 1 - e, 0))
    }

    /// `x` as `m.mme±XX`.
    public static func scientific(_ x: Double, digits: Int = 3) -> String {
        if !x.isFinite || x == 0 { return fixed(x, decimals: 0) }
        var e = 0
        var m = abs(x)
        while m >= 10 { m /= 10; e += 1 }
        while m < 1 { m *= 10; e -= 1 }
        var mantissa = fixed(m, decimals: max(digits - 1, 0))
        if mantissa.hasPrefix("10") {  // 9.999 rounded up
            e += 1
            mantissa = fixed(m / 10, decimals: max(digits - 1, 0))
        }
        let exponent = String(abs(e))
        return (x < 0 ? "-" : "") + mantissa + "e" + (e < 0 ? "-" : "+") + (exponent.count < 2 ? "0" : "") + exponent
    }
}
