import LeapfrogCore
import LeapfrogModel
import LeapfrogReference

/// What a draw records for every chain (the constrained parameters, then the derived
/// quantities), from the back end that computed the draw when it can (`DrawRecording`: the
/// OpenCL back end's recorded-values kernel, in f64 wherever the device has it, see
/// `PrecisionGuard.recordedValues`), else from the CPU reference (`ReferenceModel.recordedValues`).
/// One policy for every run that writes draws: sampling (`DrawCollector`) and variational fits.
struct DrawRecorder {
    let reference: ReferenceModel
    let device: DrawRecording?

    init(_ backend: SelectedBackend, bound: BoundModel) {
        reference = ReferenceModel(bound)
        device = backend.density as? DrawRecording
    }

    /// Row c is chain c's recorded values.
    func values(_ positions: ChainBatch) throws -> ChainBatch {
        try device?.recordedValues(positions) ?? reference.recordedValues(positions)
    }
}
