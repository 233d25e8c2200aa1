import CNetCDF
import LeapfrogCore

/// Streams draws into an ArviZ InferenceData file: netCDF-4 (HDF5) laid out as ArviZ's
/// `InferenceData.to_netcdf` writes it, so `arviz.from_netcdf` opens it unchanged
/// (ArviZ InferenceData schema, https://python.arviz.org/en/stable/schema/schema.html).
///
/// Layout:
/// - root attributes: the `attributes` given (ArviZ reads them into `InferenceData.attrs`),
///   and at `finish` `leapfrog_interrupted` (int64 0/1) and `leapfrog_draws_written` (int64).
/// - group `posterior`: dimensions `chain` (C) and `draw` (**unlimited**, so the file grows a
///   block of draws at a time), coordinate variables `chain` = 0…C−1 and `draw` = 0…D−1 (int64); one
///   float64 variable per model variable with dimensions `(chain, draw, <name>_dim_0, …)` and
///   int64 coordinates `<name>_dim_k` = 0…n−1, as ArviZ names default dimensions;
///   `_FillValue` NaN as xarray writes for floats.
/// - group `sample_stats`: the same `chain`/`draw`, and `lp`, `acceptance_rate`, `step_size`,
///   `energy` (float64), `tree_depth`, `n_steps` (int64), `diverging` (int8 with attribute
///   `dtype = "bool"`, which is how xarray stores a bool array and turns it back into one);
///   `lp` alone for a fitted approximation's draws (`Options.samplerStatistics`).
/// - group `observed_data` (only if arrays are given): each array with dimensions
///   `<name>_dim_k` and their coordinates.
/// - every group has attributes `created_at` (ISO 8601 UTC), `inference_library = "leapfrog"`,
///   `inference_library_version`; `posterior` and `sample_stats` get `sampling_time`
///   (seconds, as PyMC writes it) at `finish`.
///
/// Streaming: appended draws gather in a block of at most `blockDraws` (as many as fit in
/// `blockBytes`, at most 64 and at most a chunk's draws), written as one hyperslab
/// `[0..<C, d..<d+k, …]` per variable when the block is full, before a sync and at `finish`;
/// memory does not grow with the number of draws. (HDF5's cost is per call: one call per
/// variable and draw spent 27 % of a 4-chain eight-schools run in libhdf5.) Variables are
/// chunked as `(cc, dc, <whole element shape>)`: `dc` draws, the smallest power of two that
/// makes a scalar's chunk (all chains × `dc` draws) at least 128 KiB, at most 1024 and at most
/// what lets one row of chunks of every variable fit in `Options.chunkCacheBytes` (16384
/// chains: `dc` = 1; 4 chains: 1024); `cc` chains, all unless a chunk would pass 4 MiB. Each variable's HDF5 chunk cache holds one
/// row of chunks, so a chunk is written to disk once, when complete (or at a sync). Chunks
/// are uncompressed unless `Options.deflateLevel` is set. `nc_sync` runs after an `append`
/// once `Options.syncInterval` has passed since the last, so a crashed run's `.partial` file
/// holds the draws up to the last sync (a partly filled chunk is written then and again when
/// complete).
///
/// Files: the writer creates `path + ".partial"` (refusing if it exists, since it may belong
/// to a run still writing it), and `finish` renames it to `path`, replacing any file there
/// (refusing to overwrite `path` is the caller's decision). `finish(interrupted: true)` keeps
/// the draws written so far and sets `leapfrog_interrupted = 1`. `abandon()`, or dropping the
/// writer unfinished, deletes the `.partial` file.
public final class InferenceDataWriter: DrawWriter {
    public struct Options: Sendable {
        /// How often, at most, to flush to disk.
        public var syncInterval: Duration = .seconds(10)
        /// Memory for one row of chunks across all variables; bounds the draws per chunk.
        public var chunkCacheBytes: Int = 64 << 20
        /// zlib level 1…9 (with the shuffle filter) or `nil` to store raw. Random doubles
        /// compress little; off by default for speed.
        public var deflateLevel: Int? = nil
        /// The sampler's statistics in `sample_stats` (acceptance, step size, tree depth, …);
        /// false for a fitted approximation's draws, which have `lp` only (zeros there had read
        /// as a sampler's, and ArviZ's BFMI of them as NaN).
        public var samplerStatistics = true

        public init(syncInterval: Duration = .seconds(10), chunkCacheBytes: Int = 64 << 20, deflateLevel: Int? = nil,
                    samplerStatistics: Bool = true) {
            self.syncInterval = syncInterval
            self.chunkCacheBytes = chunkCacheBytes
            self.deflateLevel = deflateLevel
            self.samplerStatistics = samplerStatistics
        }
    }

    /// An array for the `observed_data` group, its values row-major.
    public struct ObservedArray: Sendable, Hashable {
        public var name: String
        public var shape: [Int]
        public var values: [Double]

        public init(name: String, shape: [Int], values: [Double]) {
            self.name = name
            self.shape = shape
            self.values = values
        }
    }

    /// The final path; the file lives at `partialPath` until `finish`.
    public let path: String
    public var partialPath: String { FileSystem.partialPath(path) }
    public let schema: DrawSchema
    /// Draws appended so far (the pending block's included: `finish` writes it).
    public var drawsWritten: Int { drawsInFile + pending.count }
    /// Draws in the file (the next block's first `draw` index).
    private var drawsInFile = 0
    /// Draws per chunk along `draw` (see the type's description).
    public let drawsPerChunk: Int

    private let nc: NetCDF
    private var ncid: Int32 = -1
    private var isOpen = false
    private var finished = false
    private let options: Options
    private var posterior: Int32 = 0
    private var stats: Int32 = 0
    private var posteriorVariables: [Int32] = []
    private var doubleStatVariables: [Int32] = []
    private var integerStatVariables: [Int32] = []
    private var divergingVariable: Int32 = 0
    private var posteriorDraw: Int32 = 0
    private var statsDraw: Int32 = 0
    private var gather: [Double] = []
    /// Doubles the writer holds between blocks (its one gather buffer), for tests.
    var bufferedValueCount: Int { gather.count }
    /// Draws appended and not yet written (`flush`), at most `blockDraws`.
    private var pending: [(draws: ChainBatch, statistics: SampleStatistics)] = []
    /// Draws written together (see the type's description).
    public let blockDraws: Int
    /// Bytes of draws a block holds at most.
    static let blockBytes = 1 << 20
    private var lastSync = ContinuousClock.now
    private static let maxChunkBytes = 4 << 20
    private static let minimumChunkBytes = 128 << 10

    /// Creates `path + ".partial"` and defines every group, dimension and variable.
    /// - Parameters:
    ///   - attributes: root attributes (e.g. model, seed, back end).
    ///   - libraryVersion: written as `inference_library_version`.
    ///   - observedData: arrays for an `observed_data` group; none, no group.
    public init(path: String, schema: DrawSchema, attributes: [String: String] = [:], libraryVersion: String = "unknown",
                observedData: [ObservedArray] = [], options: Options = Options()) throws {
        self.path = path
        self.schema = schema
        self.options = options
        let partial = FileSystem.partialPath(path)
        self.nc = NetCDF(file: partial)
        try schema.validate(for: path)
        if let level = options.deflateLevel, !(1...9).contains(level) {
            throw LeapfrogError(.io, "cannot write '\(path)': deflate level \(level) is not in 1…9")
        }
        let entries = schema.flatCount + 7
        let perDraw = max(1, schema.chains * entries * 8)
        var dc = 1
        while dc < 1024, dc < schema.plannedDraws, schema.chains * dc * 8 < Self.minimumChunkBytes,
              dc * 2 * perDraw <= options.chunkCacheBytes { dc *= 2 }
        drawsPerChunk = dc
        blockDraws = max(1, min(64, dc, Self.blockBytes / max(1, perDraw)))

        try NetCDFLibrary.require(for: path)
        try NetCDFLock.run { try create(partial: partial, attributes: attributes, libraryVersion: libraryVersion, observedData: observedData) }
    }

    private func create(partial: String, attributes: [String: String], libraryVersion: String, observedData: [ObservedArray]) throws {
        let status = nc_create(partial, NC_NETCDF4 | NC_NOCLOBBER, &ncid)
        if status == NC_EEXIST {
            throw LeapfrogError(.io, "cannot create " + FileSystem.partialExists(partial))
        }
        if status != NC_NOERR, let hint = FileSystem.directoryProblem(partial) {
            throw LeapfrogError(.io, "\(partial): nc_create failed: \(NetCDF.message(status)) (netCDF status \(status)); \(hint)")
        }
        try nc.check(status, "nc_create")
        isOpen = true
        do {
            try define(attributes: attributes, libraryVersion: libraryVersion, observedData: observedData)
        } catch {
            abandon()
            throw error
        }
    }

    deinit {
        if isOpen { abandon() }
    }

    private func define(attributes: [String: String], libraryVersion: String, observedData: [ObservedArray]) throws {
        for (key, value) in attributes.sorted(by: { $0.key < $1.key }) {
            try nc.putText(ncid, NC_GLOBAL, key, value)
        }
        let created = FileSystem.isoTimestamp()
        func groupAttributes(_ group: Int32) throws {
            try nc.putText(group, NC_GLOBAL, "created_at", created)
            try nc.putText(group, NC_GLOBAL, "inference_library", "leapfrog")
            try nc.putText(group, NC_GLOBAL, "inference_library_version", libraryVersion)
        }
        // posterior
        try nc.check(nc_def_grp(ncid, "posterior", &posterior), "nc_def_grp(posterior)")
        try groupAttributes(posterior)
        var (chainDim, drawDim) = try defineChainAndDraw(posterior)
        posteriorDraw = try drawCoordinate(posterior, drawDim)
        for variable in schema.variables {
            var dims = [chainDim, drawDim]
            for (k, extent) in variable.shape.enumerated() {
                let name = "\(variable.name)_dim_\(k)"
                let dim = try nc.defineDimension(posterior, name, extent)
                try nc.writeIndexCoordinate(posterior, name, dim, extent)
                dims.append(dim)
            }
            let id = try nc.defineVariable(posterior, variable.name, NC_DOUBLE, dims)
            try configure(posterior, id, variable.name, elementCount: variable.count, elementShape: variable.shape, bytes: 8)
            try fillNaN(posterior, id, variable.name)
            posteriorVariables.append(id)
        }
        // sample_stats
        try nc.check(nc_def_grp(ncid, "sample_stats", &stats), "nc_def_grp(sample_stats)")
        try groupAttributes(stats)
        (chainDim, drawDim) = try defineChainAndDraw(stats)
        statsDraw = try drawCoordinate(stats, drawDim)
        let empty = SampleStatistics(chains: 0)
        // `lp` leads `doubleColumns`: a fitted approximation's draws define it alone.
        for (name, _) in empty.doubleColumns.prefix(options.samplerStatistics ? empty.doubleColumns.count : 1) {
            let id = try nc.defineVariable(stats, name, NC_DOUBLE, [chainDim, drawDim])
            try configure(stats, id, name, elementCount: 1, elementShape: [], bytes: 8)
            try fillNaN(stats, id, name)
            doubleStatVariables.append(id)
        }
        if options.samplerStatistics {
            for (name, _) in empty.integerColumns {
                let id = try nc.defineVariable(stats, name, NC_INT64, [chainDim, drawDim])
                try configure(stats, id, name, elementCount: 1, elementShape: [], bytes: 8)
                integerStatVariables.append(id)
            }
            divergingVariable = try nc.defineVariable(stats, "diverging", NC_BYTE, [chainDim, drawDim])
            try configure(stats, divergingVariable, "diverging", elementCount: 1, elementShape: [], bytes: 1)
            try nc.putText(stats, divergingVariable, "dtype", "bool")
        }
        // observed_data
        if !observedData.isEmpty {
            var observed: Int32 = 0
            try nc.check(nc_def_grp(ncid, "observed_data", &observed), "nc_def_grp(observed_data)")
            try groupAttributes(observed)
            for array in observedData {
                guard array.values.count == array.shape.reduce(1, *) else {
                    throw LeapfrogError(.io, "cannot write '\(path)': observed array '\(array.name)' has \(array.values.count) values for shape \(array.shape)")
                }
                var dims: [Int32] = []
                for (k, extent) in array.shape.enumerated() {
                    let name = "\(array.name)_dim_\(k)"
                    let dim = try nc.defineDimension(observed, name, extent)
                    try nc.writeIndexCoordinate(observed, name, dim, extent)
                    dims.append(dim)
                }
                let id = try nc.defineVariable(observed, array.name, NC_DOUBLE, dims)
                try fillNaN(observed, id, array.name)
                let shape = array.shape
                try nc.check(nc_put_vara_double(observed, id, shape.map { _ in 0 }, shape, array.values),
                             "nc_put_vara_double(observed_data/\(array.name))")
            }
        }
        // Writing the coordinates already left define mode (netCDF-4 switches by itself).
        let status = nc_enddef(ncid)
        if status != NC_ENOTINDEFINE { try nc.check(status, "nc_enddef") }
    }

    private func defineChainAndDraw(_ group: Int32) throws -> (Int32, Int32) {
        let chainDim = try nc.defineDimension(group, "chain", schema.chains)
        let drawDim = try nc.defineDimension(group, "draw", nil)
        try nc.writeIndexCoordinate(group, "chain", chainDim, schema.chains)
        return (chainDim, drawDim)
    }

    private func drawCoordinate(_ group: Int32, _ drawDim: Int32) throws -> Int32 {
        let id = try nc.defineVariable(group, "draw", NC_INT64, [drawDim])
        try nc.defineChunks(group, id, "draw", [1024])
        return id
    }

    private func fillNaN(_ group: Int32, _ id: Int32, _ name: String) throws {
        var nan = Double.nan
        try nc.check(nc_def_var_fill(group, id, 0, &nan), "nc_def_var_fill(\(name))")
    }

    /// Chunking, compression and chunk cache for a `(chain, draw, element…)` variable.
    private func configure(_ group: Int32, _ id: Int32, _ name: String, elementCount: Int, elementShape: [Int], bytes: Int) throws {
        let chains = schema.chains
        let perChain = drawsPerChunk * elementCount * bytes
        let chainChunk = min(chains, max(1, Self.maxChunkBytes / max(perChain, 1)))
        try nc.defineChunks(group, id, name, [chainChunk, drawsPerChunk] + elementShape)
        if let level = options.deflateLevel {
            try nc.check(nc_def_var_deflate(group, id, 1, 1, Int32(level)), "nc_def_var_deflate(\(name))")
        }
        let chunksPerRow = (chains + chainChunk - 1) / chainChunk
        let cacheBytes = (chunksPerRow + 1) * chainChunk * perChain
        try nc.check(nc_set_var_chunk_cache(group, id, cacheBytes, max(1009, 4 * chunksPerRow + 1), 0.75),
                     "nc_set_var_chunk_cache(\(name))")
    }

    public func recordAdaptation(_ adaptation: WarmupAdaptation) throws {
        // ArviZ's schema has no place for the adapted metric; the step size is in sample_stats.
    }

    public func append(_ draws: ChainBatch, stats statistics: SampleStatistics) throws {
        try NetCDFLock.run { try write(draws, statistics) }
    }

    private func write(_ draws: ChainBatch, _ statistics: SampleStatistics) throws {
        guard isOpen, !finished else {
            throw LeapfrogError(.io, "cannot append to '\(path)': the writer is already finished or abandoned")
        }
        try check(draws, statistics, file: path)
        pending.append((draws, statistics))
        let syncDue = ContinuousClock.now - lastSync >= options.syncInterval
        if pending.count >= blockDraws || syncDue { try flush() }
        if syncDue {
            try nc.check(nc_sync(ncid), "nc_sync")
            lastSync = .now
        }
    }

    /// Writes the pending draws `d..<d+k`: one hyperslab `[0..<C, d..<d+k, …]` per variable and
    /// statistic (C order: chain, then draw, then the variable's elements), and the `draw`
    /// coordinates.
    private func flush() throws {
        let k = pending.count
        guard k > 0 else { return }
        let chains = schema.chains, d = drawsInFile
        let what = k == 1 ? "draw \(d)" : "draws \(d)..<\(d + k)"
        for (v, (variable, offset)) in zip(schema.variables, schema.offsets).enumerated() {
            let n = variable.count
            if gather.count < chains * k * n { gather = [Double](repeating: 0, count: chains * k * n) }
            gather.withUnsafeMutableBufferPointer { target in
                for (t, block) in pending.enumerated() {
                    block.draws.values.withUnsafeBufferPointer { source in
                        for e in 0..<n {
                            let row = (offset + e) * chains
                            for c in 0..<chains { target[(c * k + t) * n + e] = source[row + c] }
                        }
                    }
                }
            }
            let start = [0, d] + variable.shape.map { _ in 0 }
            let count = [chains, k] + variable.shape
            try nc.check(nc_put_vara_double(posterior, posteriorVariables[v], start, count, gather),
                         "nc_put_vara_double(posterior/\(variable.name), \(what))")
        }
        /// One statistic of every pending draw (`perDraw[t][c]`), chain-major: `[c * k + t]`.
        func chainMajor<T>(_ perDraw: [[T]]) -> [T] { (0..<(chains * k)).map { perDraw[$0 % k][$0 / k] } }
        let doubles = pending.map(\.statistics.doubleColumns), integers = pending.map(\.statistics.integerColumns)
        for (i, id) in doubleStatVariables.enumerated() {
            try nc.check(nc_put_vara_double(stats, id, [0, d], [chains, k], chainMajor(doubles.map { $0[i].values })),
                         "nc_put_vara_double(sample_stats/\(doubles[0][i].name), \(what))")
        }
        for (i, id) in integerStatVariables.enumerated() {
            try nc.check(nc_put_vara_longlong(stats, id, [0, d], [chains, k], chainMajor(integers.map { $0[i].values.map(Int64.init) })),
                         "nc_put_vara_longlong(sample_stats/\(integers[0][i].name), \(what))")
        }
        if options.samplerStatistics {
            try nc.check(nc_put_vara_schar(stats, divergingVariable, [0, d], [chains, k],
                                           chainMajor(pending.map { $0.statistics.diverging.map { Int8($0 ? 1 : 0) } })),
                         "nc_put_vara_schar(sample_stats/diverging, \(what))")
        }
        let indices = (d..<(d + k)).map(Int64.init)
        try nc.check(nc_put_vara_longlong(posterior, posteriorDraw, [d], [k], indices), "nc_put_vara_longlong(posterior/draw)")
        try nc.check(nc_put_vara_longlong(stats, statsDraw, [d], [k], indices), "nc_put_vara_longlong(sample_stats/draw)")
        pending.removeAll(keepingCapacity: true)
        drawsInFile += k
    }

    public func finish(interrupted: Bool, timing: RunTiming) throws {
        try NetCDFLock.run { try close(interrupted: interrupted, timing: timing) }
    }

    private func close(interrupted: Bool, timing: RunTiming) throws {
        guard isOpen, !finished else {
            throw LeapfrogError(.io, "cannot finish '\(path)': the writer is already finished or abandoned")
        }
        do {
            try flush()
            try nc.putInt64(ncid, NC_GLOBAL, "leapfrog_interrupted", interrupted ? 1 : 0)
            try nc.putInt64(ncid, NC_GLOBAL, "leapfrog_draws_written", Int64(drawsWritten))
            try nc.putDouble(posterior, NC_GLOBAL, "sampling_time", timing.samplingSeconds)
            try nc.putDouble(stats, NC_GLOBAL, "sampling_time", timing.samplingSeconds)
            isOpen = false
            try nc.check(nc_close(ncid), "nc_close")
            try FileSystem.rename(partialPath, to: path)
            finished = true
        } catch {
            abandon()
            throw error
        }
    }

    public func abandon() {
        if finished { return }
        if isOpen {
            NetCDFLock.run { _ = nc_close(ncid) }
            isOpen = false
        }
        FileSystem.remove(partialPath)
        finished = true
    }
}
