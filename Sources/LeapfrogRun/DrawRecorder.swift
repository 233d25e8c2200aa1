import LeapfrogCore
import LeapfrogModel
import LeapfrogReference

/// What a draw records for every chain (the constrained parameters, then the derived
/// quantities), from the back end that computed the draw when it can (`DrawRecording`: the
/// OpenCL back end's recorded-values kernel, in f64 wherever the device has it, see
/// `PrecisionGuard.recordedValues`), else from the CPU reference (`ReferenceModel.recordedValues`).
/// The model's `HostQuantities` (Stan generated quantities the graph cannot express) are then
/// computed on the host from each chain's recorded row and appended to it, so every back end
/// records the same host quantities for the same draw. Their random numbers (Stan's `_rng`) are
/// keyed by (seed, chain, draw) (`DrawKey`): reproducible, whatever the threads or the back end.
/// One policy for every run that writes draws: sampling (`DrawCollector`) and variational fits.
struct DrawRecorder {
    let reference: ReferenceModel
    let device: DrawRecording?
    let host: (any HostQuantities)?
    /// The recorded row's variables (what `host` reads).
    let layout: [(name: String, shape: [Int])]
    /// The run's seed: with a row's chain and draw, the key of its random numbers.
    let seed: UInt64

    init(_ backend: SelectedBackend, bound: BoundModel, seed: UInt64) {
        self.seed = seed
        reference = ReferenceModel(bound)
        device = backend.density as? DrawRecording
        host = bound.hostQuantities
        layout = bound.recordedLayout
    }

    /// Makes the device's recorded-values program ready (`DrawRecording.prepareRecording`).
    func prepare() throws { try device?.prepareRecording() }

    /// Row c is chain c's recorded values at retained draw `draw`.
    func values(_ positions: ChainBatch, draw: Int) throws -> ChainBatch {
        try values(positions, chains: positions.chains, draws: [draw])
    }

    /// Draws of one run side by side: row r is chain r % `chains` of retained draw
    /// `draws[r / chains]`; nil `draws`: draw r / `chains`. (A fitted family's S draws: `chains`
    /// 1, row s is draw s.)
    func values(_ positions: ChainBatch, chains: Int, draws: [Int]? = nil) throws -> ChainBatch {
        let recorded = try device?.recordedValues(positions) ?? reference.recordedValues(positions)
        guard let host else { return recorded }
        // One chain per task, one contiguous range of chains per core.
        let rows = UnsafeMutableBufferPointer<[Double]>.allocate(capacity: recorded.chains)
        let failures = UnsafeMutableBufferPointer<(any Error)?>.allocate(capacity: recorded.chains)
        rows.initialize(repeating: [])
        failures.initialize(repeating: nil)
        defer {
            rows.deinitialize(); rows.deallocate()
            failures.deinitialize(); failures.deallocate()
        }
        let layout = self.layout, seed = self.seed
        ReferenceModel.forEachChain(recorded.chains, parallel: true) { c in
            let row = recorded.vector(chain: c)
            let key = DrawKey(seed: seed, chain: c % chains, draw: draws.map { $0[c / chains] } ?? c / chains)
            do { rows[c] = row + (try host.values(recorded: row, layout: layout, key: key)) } catch { failures[c] = error }
        }
        if let failure = failures.lazy.compactMap({ $0 }).first { throw failure }
        var out = ChainBatch(chains: recorded.chains, dimension: rows.first?.count ?? 0)
        for (c, row) in rows.enumerated() { out.setVector(row, chain: c) }
        return out
    }
}
