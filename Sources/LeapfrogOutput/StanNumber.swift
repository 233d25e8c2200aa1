/// How numbers are written in Stan CSV files.
///
/// CmdStan prints `sig_figs` significant digits (6 by default), which loses precision. We
/// write every double in the shortest decimal form that reads back as the same double (at
/// most 17 significant digits, so the header says `sig_figs = 17`), drop a trailing `.0`
/// (`3`, not `3.0`, as CmdStan prints integral values), and write non-finite values as
/// C++ streams print them: `nan`, `inf`, `-inf`.
enum StanNumber {
    static let significantDigits = 17

    static func format(_ x: Double) -> String {
        if x.isNaN { return "nan" }
        if x.isInfinite { return x < 0 ? "-inf" : "inf" }
        let text = x.description
        return text.hasSuffix(".0") ? String(text.dropLast(2)) : text
    }

    /// Parses a CSV cell: decimal or exponent notation, `nan`, `-nan`, `inf`, `-inf`,
    /// `infinity` (any case); surrounding spaces are ignored.
    static func parse<S: StringProtocol>(_ text: S) -> Double? {
        var t = Substring(text)
        while t.first == " " || t.first == "\t" { t = t.dropFirst() }
        while t.last == " " || t.last == "\t" { t = t.dropLast() }
        if t.isEmpty { return nil }
        return Double(t)
    }
}
