/// Locates `shared/data`: beside the repository (CI clones the repo next to `shared/`) or in
/// any parent folder of this source file. Nil when absent; tests that need it say so.
public enum SharedData {
    public static let directory: String? = {
        var dir = #filePath
        for _ in 0..<8 {
            guard let slash = dir.lastIndex(of: "/") else { break }
            dir = String(dir[..<slash])
            let candidate = dir + "/shared/data"
            if fileExists(candidate + "/README.md") { return candidate }
            let sibling = dir + "/../shared/data"
            if fileExists(sibling + "/README.md") { return sibling }
        }
        return nil
    }()

    public static func path(_ relative: String) -> String? { directory.map { $0 + "/" + relative } }

    static func fileExists(_ path: String) -> Bool {
        guard let f = fopen(path, "r") else { return false }
        fclose(f)
        return true
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
