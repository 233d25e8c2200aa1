import LeapfrogCore
import LeapfrogModel
import LeapfrogReference

/// What a draw records for every chain (the constrained parameters, then the derived
/// quantities), from the back end that computed the draw when it can (`DrawRecording`: the
/// OpenCL back end's recorded-values kernel, in f64 wherever the device has it, see
/// `PrecisionGuard.recordedValues`), else from the CPU reference (`ReferenceModel.recordedValues`).
/// The model's `HostQuantities` (Stan generated quantities the graph cannot express) are then
/// computed on the host from each chain's recorded row and appended to it, so every back end
/// records the same host quantities for the same draw.
/// One policy for every run that writes draws: sampling (`DrawCollector`) and variational fits.
struct DrawRecorder {
    let reference: ReferenceModel
    let device: DrawRecording?
    let host: (any HostQuantities)?
    /// The recorded row's variables (what `host` reads).
    let layout: [(name: String, shape: [Int])]

    init(_ backend: SelectedBackend, bound: BoundModel) {
        reference = ReferenceModel(bound)
        device = backend.density as? DrawRecording
        host = bound.hostQuantities
        layout = bound.recordedLayout
    }

    /// Row c is chain c's recorded values.
    func values(_ positions: ChainBatch) throws -> ChainBatch {
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
        let layout = self.layout
        ReferenceModel.forEachChain(recorded.chains, parallel: true) { c in
            let row = recorded.vector(chain: c)
            do { rows[c] = row + (try host.values(recorded: row, layout: layout)) } catch { failures[c] = error }
        }
        if let failure = failures.lazy.compactMap({ $0 }).first { throw failure }
        var out = ChainBatch(chains: recorded.chains, dimension: rows.first?.count ?? 0)
        for (c, row) in rows.enumerated() { out.setVector(row, chain: c) }
        return out
    }
}
