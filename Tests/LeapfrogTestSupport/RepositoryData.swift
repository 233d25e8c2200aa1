/// Locates the repository's `data/` folder (the datasets the tests use, with their provenance in
/// `data/README.md`) from this source file's path: the package root is two folders up.
public enum RepositoryData {
    public static let directory: String = {
        var dir = #filePath
        for _ in 0..<3 {
            if let slash = dir.lastIndex(of: "/") { dir = String(dir[..<slash]) }
        }
        return dir + "/data"
    }()

    /// The path of `relative` inside `data/`.
    public static func path(_ relative: String) -> String { directory + "/" + relative }
}
