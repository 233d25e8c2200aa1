import Leapfrog
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The `--output DIR` of a run: `posterior.nc`, `chain-<k>.csv` with `--csv`, `summary.json`.
/// A directory that already holds a run is refused unless `overwrite`, whose files are then
/// removed before sampling starts (writers never clobber: they write `*.partial` and rename).
struct OutputDirectory {
    let path: String
    var posterior: String { path + "/posterior.nc" }
    var summary: String { path + "/summary.json" }

    init(path: String, overwrite: Bool) throws {
        self.path = path
        let fm = FileManager.default
        if fm.fileExists(atPath: path) {
            guard let entries = try? fm.contentsOfDirectory(atPath: path) else {
                throw LeapfrogError(.io, "--output '\(path)' is a file, not a directory")
            }
            let ours = entries.filter {
                $0 == "posterior.nc" || $0 == "summary.json" || ($0.hasPrefix("chain-") && $0.hasSuffix(".csv"))
            }
            if !ours.isEmpty {
                guard overwrite else {
                    throw LeapfrogError(.io, "--output '\(path)' already holds a run (\(ours.sorted().prefix(3).joined(separator: ", "))); "
                                        + "pass --overwrite to replace it, or choose another directory")
                }
                for f in ours { try fm.removeItem(atPath: path + "/" + f) }
            }
        } else {
            do {
                try fm.createDirectory(atPath: path, withIntermediateDirectories: true)
            } catch {
                throw LeapfrogError(.io, "cannot create --output directory '\(path)': \(error)")
            }
        }
        guard fm.isWritableFile(atPath: path) else {
            throw LeapfrogError(.io, "--output directory '\(path)' is not writable")
        }
    }
}
