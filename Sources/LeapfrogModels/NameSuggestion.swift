/// "Did you mean …?" for a mistyped name: the closest known name by optimal-string-alignment
/// distance (Damerau–Levenshtein where no substring is edited twice: insertions, deletions,
/// substitutions and swaps of adjacent characters each cost 1), if it is at most `maxDistance`;
/// failing that, the one known name that starts with what was typed (`eight` → `eight-schools`).
public enum NameSuggestion {
    public static let maxDistance = 2

    /// The suggestion for `typed` among `known`, or nil when none is close. Ties go to the
    /// first in `known`.
    public static func closest(to typed: String, among known: [String]) -> String? {
        let typedLower = typed.lowercased()
        var best: (name: String, distance: Int)?
        for name in known {
            let d = distance(typedLower, name.lowercased())
            if d <= maxDistance, d < best?.distance ?? .max { best = (name, d) }
        }
        if let best { return best.name }
        let prefixed = known.filter { !typedLower.isEmpty && $0.lowercased().hasPrefix(typedLower) }
        return prefixed.count == 1 ? prefixed[0] : nil
    }

    /// `"; did you mean 'x'?"` or the empty string, for appending to an error message.
    static func clause(for typed: String, among known: [String]) -> String {
        closest(to: typed, among: known).map { "; did you mean '\($0)'?" } ?? ""
    }

    /// Optimal string alignment distance between `a` and `b`.
    public static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        // d[i][j]: distance between the first i characters of a and the first j of b.
        var d = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { d[i][0] = i }
        for j in 0...b.count { d[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
                }
            }
        }
        return d[a.count][b.count]
    }
}
