import LeapfrogCore
import LeapfrogOutput
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The `--output DIR` of a run: `posterior.nc`, `chain-<k>.csv` with `--csv`, `summary.json` (and a
/// variational run's `elbo.csv`, `variational.json`).
///
/// Made in two steps so that a directory the run cannot use is refused before any work starts:
/// `init` only checks (and changes nothing on disk), `prepare()` creates the directory or removes
/// the previous run's files just before sampling. Refused, with the path and the reason: an
/// existing file that is not a directory; a directory that is not writable; a missing directory
/// whose nearest existing ancestor is not a directory or not writable (so it cannot be created);
/// a directory that already holds a run, unless `overwrite`. Writers never clobber: they write
/// `*.partial` and rename.
struct OutputDirectory {
    let path: String
    let overwrite: Bool
    /// Our files already in the directory (removed by `prepare()`).
    let previousRun: [String]
    var posterior: String { path + "/posterior.nc" }
    var summary: String { path + "/summary.json" }

    init(path: String, overwrite: Bool) throws {
        // `--output "$DIR"` with DIR unset: refused rather than writing nowhere.
        guard !path.isEmpty else { throw LeapfrogError(.io, "--output is empty: give the directory to write the run into") }
        self.path = path
        self.overwrite = overwrite
        if let kind = FileSystem.kind(path) {
            guard kind == S_IFDIR else {
                throw LeapfrogError(.io, "--output '\(path)' is a file, not a directory")
            }
            if let reason = Self.notWritable(path) {
                throw LeapfrogError(.io, "--output directory '\(path)' is not writable: \(reason)")
            }
            previousRun = Self.runFiles(in: path)
            if !previousRun.isEmpty && !overwrite {
                throw LeapfrogError(.io, "--output '\(path)' already holds a run (\(previousRun.prefix(3).joined(separator: ", "))); "
                                    + "pass --overwrite to replace it, or choose another directory")
            }
        } else {
            previousRun = []
            let ancestor = Self.nearestExistingAncestor(path)
            let cannot = "cannot create --output directory '\(path)'"
            if FileSystem.kind(ancestor) != S_IFDIR {
                throw LeapfrogError(.io, "\(cannot): '\(ancestor)' is not a directory")
            }
            if let reason = Self.notWritable(ancestor) {
                throw LeapfrogError(.io, "\(cannot): '\(ancestor)' is not writable: \(reason)")
            }
        }
    }

    /// Creates the directory (with its parents), or removes the previous run's files.
    func prepare() throws {
        for f in previousRun where unlink(path + "/" + f) != 0 && errno != ENOENT {
            throw LeapfrogError(.io, "cannot remove '\(path)/\(f)' of the previous run: \(FileSystem.lastError())")
        }
        guard FileSystem.kind(path) == nil else { return }
        var prefix = path.hasPrefix("/") ? "/" : ""
        for part in path.split(separator: "/") {
            prefix += part
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
                throw LeapfrogError(.io, "cannot create --output directory '\(path)': mkdir '\(prefix)': \(FileSystem.lastError())")
            }
            prefix += "/"
        }
    }

    /// Names of a run's files in `directory`, sorted.
    static func runFiles(in directory: String) -> [String] {
        guard let dir = opendir(directory) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name == "posterior.nc" || name == "summary.json" || name == "elbo.csv" || name == "variational.json" || name == "predictive.csv"
                || (name.hasPrefix("chain-") && name.hasSuffix(".csv")) {
                names.append(name)
            }
        }
        return names.sorted()
    }

    /// Why files cannot be made in the directory `path`, or `nil` if they can.
    static func notWritable(_ path: String) -> String? {
        access(path, W_OK | X_OK) == 0 ? nil : FileSystem.lastError()
    }

    /// The longest prefix of `path` that exists (`.` for a relative path none of whose parts do).
    static func nearestExistingAncestor(_ path: String) -> String {
        var parts = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        let root = path.hasPrefix("/") ? "/" : ""
        while !parts.isEmpty {
            let candidate = root + parts.joined(separator: "/")
            if FileSystem.kind(candidate) != nil { return candidate }
            parts.removeLast()
        }
        return root.isEmpty ? "." : root
    }

}
