#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LeapfrogCore
import LeapfrogOutput

/// What a report reads, found from what the user named: a run directory (`posterior.nc`, else —
/// or when libnetcdf cannot be loaded — `chain-*.csv`; `summary.json` and `elbo.csv` beside them when present), one `posterior.nc`,
/// or Stan CSV files (CmdStan's own too).
public struct RunInput: Sendable, Hashable {
    /// The InferenceData file, if the draws come from one.
    public var posterior: String?
    /// The Stan CSV files (one per chain), if the draws come from those.
    public var csvFiles: [String]
    /// `summary.json` of the run, when there is one beside the draws.
    public var summary: String?
    /// `elbo.csv` (columns `iteration`, `elbo`) of a variational run, when there is one.
    public var elbo: String?
    /// `predictive.csv` (snapshots of the posterior predictive while fitting) of a variational
    /// run, when there is one.
    public var predictive: String?
    /// The directory the inputs are in (the default place for the report).
    public var directory: String

    /// What a report reads, for messages.
    public static let readable = "a report reads a run directory of `leapfrog sample --output DIR` (posterior.nc or "
        + "chain-<k>.csv), one InferenceData posterior.nc, or Stan CSV files (one per chain, CmdStan's own too)"

    /// Finds the inputs in `paths`. Errors name the path: one that does not exist, a directory
    /// with no draws in it, a mix of `.nc` and CSV files, a file that is neither.
    public init(paths: [String]) throws {
        guard let first = paths.first else { throw LeapfrogError(.data, "no input; \(Self.readable)") }
        let fm = FileManager.default
        for path in paths where FileSystem.kind(path) == nil {
            throw LeapfrogError(.io, "cannot read '\(path)': no such file or directory; \(Self.readable)")
        }
        csvFiles = []
        if paths.count == 1, Self.isDirectory(first) {
            directory = first
            let names = (try? fm.contentsOfDirectory(atPath: first)) ?? []
            let chainFiles = Self.chainFiles(names)
            // posterior.nc first; the chain CSV files when libnetcdf cannot be loaded to read it.
            if names.contains("posterior.nc") && (NetCDFLibrary.isAvailable || chainFiles.isEmpty) {
                posterior = Self.join(first, "posterior.nc")
            } else {
                csvFiles = chainFiles.map { Self.join(first, $0) }
                guard !csvFiles.isEmpty else {
                    throw LeapfrogError(.data, "'\(first)' holds no posterior.nc and no Stan CSV files (*.csv with a chain "
                                        + "number); \(Self.readable)")
                }
            }
        } else {
            if let d = paths.first(where: Self.isDirectory) {
                throw LeapfrogError(.data, "'\(d)' is a directory; give one run directory, or files, not both")
            }
            let nc = paths.filter { $0.hasSuffix(".nc") }
            if !nc.isEmpty && (nc.count > 1 || paths.count > 1) {
                throw LeapfrogError(.data, "give one posterior.nc, or Stan CSV files, not both (got \(paths.joined(separator: ", ")))")
            }
            if let other = paths.first(where: { !$0.hasSuffix(".nc") && !$0.lowercased().hasSuffix(".csv") }) {
                throw LeapfrogError(.data, "'\(other)' is neither a .nc nor a .csv file; \(Self.readable)")
            }
            if let twice = FileSystem.repeated(paths) {
                throw LeapfrogError(.data, "'\(twice)' is given twice: each file is one chain")
            }
            posterior = nc.first
            if nc.isEmpty { csvFiles = paths }
            directory = Self.parent(first)
        }
        let summaryPath = Self.join(directory, "summary.json")
        summary = FileSystem.kind(summaryPath) == nil ? nil : summaryPath
        let elboPath = Self.join(directory, "elbo.csv")
        elbo = FileSystem.kind(elboPath) == nil ? nil : elboPath
        let predictivePath = Self.join(directory, "predictive.csv")
        predictive = FileSystem.kind(predictivePath) == nil ? nil : predictivePath
    }

    static func isDirectory(_ path: String) -> Bool {
        guard let mode = FileSystem.kind(path) else { return false }
        return mode & S_IFMT == S_IFDIR
    }

    /// `chain-<k>.csv` (ours) or CmdStan's `<name>_<k>.csv`, ordered by chain number.
    static func chainFiles(_ names: [String]) -> [String] {
        func number(_ name: String) -> Int? {
            guard name.lowercased().hasSuffix(".csv"), name != "elbo.csv", name != "predictive.csv" else { return nil }
            let stem = name.dropLast(4)
            let digits = stem.reversed().prefix { $0.isNumber }
            guard !digits.isEmpty, digits.count < stem.count else { return nil }
            return Int(String(digits.reversed()))
        }
        return names.compactMap { n in number(n).map { (n, $0) } }.sorted { ($0.1, $0.0) < ($1.1, $1.0) }.map(\.0)
    }

    static func join(_ directory: String, _ name: String) -> String {
        directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }

    static func parent(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}
