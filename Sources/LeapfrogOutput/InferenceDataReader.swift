#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CNetCDF
import LeapfrogCore
import LeapfrogDiagnostics

/// Reads an InferenceData netCDF file as `InferenceDataWriter` writes it, or as ArviZ's
/// `to_netcdf` does (ArviZ InferenceData schema): the `posterior` group's variables with
/// dimensions `(chain, draw, …)`, and the `sample_stats` group.
///
/// Values are read with netCDF's conversion to double (so float32, int64 and the int8 that
/// stores a bool all come back as `Double`). One-dimensional variables named after their
/// dimension are coordinates and are skipped. The file stays open until `close()` or deinit;
/// variables are read on request, so a large file need not fit in memory all at once.
public final class InferenceDataReader {
    public let path: String
    public let chains: Int
    /// Draws per chain: the `draw` dimension of `posterior` (or `leapfrog_draws_written`, if smaller).
    public let draws: Int
    /// The posterior's variables and element shapes, in file order.
    public let variables: [DrawSchema.Variable]
    /// The `sample_stats` variables (e.g. `lp`, `diverging`), in file order; empty if there is no such group.
    public let sampleStatisticNames: [String]
    /// Root attributes as text (numbers in shortest form).
    public let attributes: [String: String]
    /// The `posterior` group's attributes (`created_at`, `inference_library`, …).
    public let posteriorAttributes: [String: String]

    private let nc: NetCDF
    private var ncid: Int32 = -1
    private var isOpen = false
    private let posteriorGroup: Int32
    private let statsGroup: Int32?
    private var variableIDs: [String: Int32] = [:]
    private var statIDs: [String: Int32] = [:]

    /// Opens `path` and reads its structure. Errors: `.io` naming the file and the netCDF call
    /// for files that cannot be opened; `.data` for a file without a usable `posterior` group.
    public init(path: String) throws {
        try NetCDFLibrary.require(for: path)
        let nc = NetCDF(file: path)
        let id = try Self.open(path, nc)
        NetCDFLock.lock()
        defer { NetCDFLock.unlock() }
        self.path = path
        self.nc = nc
        ncid = id
        isOpen = true
        do {
            attributes = try nc.attributes(id, NC_GLOBAL)
            var group: Int32 = 0
            guard nc_inq_grp_ncid(id, "posterior", &group) == NC_NOERR else {
                throw LeapfrogError(.data, "\(path): no 'posterior' group; is this an InferenceData file?")
            }
            posteriorGroup = group
            posteriorAttributes = try nc.attributes(group, NC_GLOBAL)
            let found = try Self.chainDrawVariables(nc, group, path: path, groupName: "posterior")
            chains = found.chains
            // A draw whose writing failed half-way may have grown the dimension; the count
            // the writer recorded at finish is authoritative.
            let recorded = attributes["leapfrog_draws_written"].flatMap { Int($0) } ?? found.draws
            draws = min(found.draws, recorded)
            variables = found.variables.map { DrawSchema.Variable($0.name, $0.shape) }
            for v in found.variables { variableIDs[v.name] = v.id }
            var statsGroup: Int32 = 0
            if nc_inq_grp_ncid(id, "sample_stats", &statsGroup) == NC_NOERR {
                self.statsGroup = statsGroup
                let s = try Self.chainDrawVariables(nc, statsGroup, path: path, groupName: "sample_stats")
                sampleStatisticNames = s.variables.map(\.name)
                for v in s.variables { statIDs[v.name] = v.id }
            } else {
                self.statsGroup = nil
                sampleStatisticNames = []
            }
        } catch {
            nc_close(id)
            isOpen = false
            throw error
        }
    }

    deinit { close() }

    /// Attempts at `nc_open` while it fails with netCDF's generic HDF error, and the pause between.
    static let openAttempts = 4
    static let openRetryMicroseconds: UInt32 = 200_000

    /// `nc_open(path, NC_NOWRITE)`. Under the test suite's parallel runs an open of a file that
    /// was just written and closed has, rarely (twice in hundreds of runs), failed with
    /// "NetCDF: HDF error" (-101) and succeeded when repeated; the cause is not known. So that
    /// error is retried a few times, with the lock released between attempts; any other error,
    /// or the last attempt's, is thrown naming the file.
    static func open(_ path: String, _ nc: NetCDF) throws -> Int32 {
        var id: Int32 = -1
        for attempt in 1...openAttempts {
            let status = NetCDFLock.run { nc_open(path, NC_NOWRITE, &id) }
            if status == NC_NOERR { return id }
            if status != NC_EHDFERR || attempt == openAttempts { try nc.check(status, "nc_open") }
            usleep(openRetryMicroseconds)
        }
        return id
    }

    public func close() {
        if isOpen {
            NetCDFLock.run { _ = nc_close(ncid) }
            isOpen = false
        }
    }

    /// `true`/`false` from the `leapfrog_interrupted` attribute; `nil` if absent (not our file,
    /// or a `.partial` from a run that stopped before finishing).
    public var interrupted: Bool? {
        attributes["leapfrog_interrupted"].map { $0 != "0" }
    }

    /// Every flat element of posterior variable `name`, in row-major order, as `[chain][draw]`.
    public func posterior(_ name: String) throws -> [FlatDraws] {
        try posteriorDraws(name).map { FlatDraws(name: $0.name, draws: $0.draws.values) }
    }

    /// Posterior variable `name`'s flat elements as `Draws` (row-major element order), each one
    /// array of chains × draws gathered from the variable's values: what a summary reads
    /// (``posterior(_:)`` splits them into an array per chain).
    public func posteriorDraws(_ name: String) throws -> [(name: String, draws: Draws)] {
        guard let id = variableIDs[name], let variable = variables.first(where: { $0.name == name }) else {
            throw LeapfrogError(.data, "\(path): no posterior variable '\(name)'; it has \(variables.map(\.name).joined(separator: ", "))")
        }
        let values = try read(posteriorGroup, id, "posterior/\(name)", shape: variable.shape)
        let n = variable.count, total = chains * draws
        let indices = variable.rowMajorIndices
        if n == 1 { return [(variable.bracketName(indices[0]), Draws(chains: chains, drawsPerChain: draws, values: values))] }
        return indices.enumerated().map { k, index in
            let element = [Double](unsafeUninitializedCapacity: total) { out, count in
                values.withUnsafeBufferPointer { source in
                    guard total > 0 else { return }
                    let src = source.baseAddress! + k, dst = out.baseAddress!
                    var j = 0
                    while j < total { (dst + j).initialize(to: src[j * n]); j += 1 }
                }
                count = total
            }
            return (variable.bracketName(index), Draws(chains: chains, drawsPerChain: draws, values: element))
        }
    }

    /// Every flat element of every posterior variable, in schema (flat) order.
    public func posterior() throws -> [FlatDraws] {
        try variables.flatMap { try posterior($0.name) }
    }

    /// Sample statistic `name` (ArviZ name: `lp`, `diverging`, …) as `[chain][draw]`;
    /// bools read as 0/1.
    public func sampleStatistic(_ name: String) throws -> [[Double]] {
        try sampleStatisticDraws(name).values
    }

    /// Sample statistic `name` as `Draws` (``sampleStatistic(_:)`` splits it into an array per chain).
    public func sampleStatisticDraws(_ name: String) throws -> Draws {
        guard let statsGroup, let id = statIDs[name] else {
            throw LeapfrogError(.data, "\(path): no sample statistic '\(name)'; the file has \(sampleStatisticNames.isEmpty ? "none" : sampleStatisticNames.joined(separator: ", "))")
        }
        return Draws(chains: chains, drawsPerChain: draws, values: try read(statsGroup, id, "sample_stats/\(name)", shape: []))
    }

    private func read(_ group: Int32, _ id: Int32, _ what: String, shape: [Int]) throws -> [Double] {
        guard isOpen else { throw LeapfrogError(.io, "\(path): reading \(what) after close()") }
        let count = [chains, draws] + shape
        var values = [Double](repeating: .nan, count: count.reduce(1, *))
        if values.isEmpty { return values }
        try NetCDFLock.run { try nc.check(nc_get_vara_double(group, id, count.map { _ in 0 }, count, &values), "nc_get_vara_double(\(what))") }
        return values
    }

    private struct Found {
        var chains: Int
        var draws: Int
        var variables: [(name: String, id: Int32, shape: [Int])]
    }

    /// The `(chain, draw, …)` variables of a group; coordinate variables are skipped.
    private static func chainDrawVariables(_ nc: NetCDF, _ group: Int32, path: String, groupName: String) throws -> Found {
        var chainDim: Int32 = 0
        var drawDim: Int32 = 0
        guard nc_inq_dimid(group, "chain", &chainDim) == NC_NOERR, nc_inq_dimid(group, "draw", &drawDim) == NC_NOERR else {
            throw LeapfrogError(.data, "\(path): group '\(groupName)' has no 'chain' and 'draw' dimensions")
        }
        let chains = try nc.dimensionLength(group, chainDim)
        let draws = try nc.dimensionLength(group, drawDim)
        var count: Int32 = 0
        try nc.check(nc_inq_varids(group, &count, nil), "nc_inq_varids(\(groupName))")
        var ids = [Int32](repeating: 0, count: Int(count))
        try nc.check(nc_inq_varids(group, &count, &ids), "nc_inq_varids(\(groupName))")
        var variables: [(name: String, id: Int32, shape: [Int])] = []
        for id in ids {
            var nameBuffer = [CChar](repeating: 0, count: Int(NC_MAX_NAME) + 1)
            var ndims: Int32 = 0
            try nc.check(nc_inq_varname(group, id, &nameBuffer), "nc_inq_varname(\(groupName))")
            let name = String(decoding: nameBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            try nc.check(nc_inq_varndims(group, id, &ndims), "nc_inq_varndims(\(groupName)/\(name))")
            var dims = [Int32](repeating: 0, count: Int(ndims))
            try nc.check(nc_inq_vardimid(group, id, &dims), "nc_inq_vardimid(\(groupName)/\(name))")
            let dimNames = try dims.map { try nc.dimensionName(group, $0) }
            if dimNames.count == 1, dimNames[0] == name { continue }
            guard dims.count >= 2, dims[0] == chainDim, dims[1] == drawDim else {
                throw LeapfrogError(.data, "\(path): variable '\(groupName)/\(name)' has dimensions (\(dimNames.joined(separator: ", "))); expected (chain, draw, …)")
            }
            let shape = try dims.dropFirst(2).map { try nc.dimensionLength(group, $0) }
            variables.append((name, id, shape))
        }
        return Found(chains: chains, draws: draws, variables: variables)
    }
}
