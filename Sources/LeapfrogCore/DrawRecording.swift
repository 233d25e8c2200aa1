/// A back end that also computes what a draw records, on the device that sampled: for every
/// chain, the constrained parameters (one per unconstrained coordinate), then every derived
/// quantity in row-major order, the same numbers the CPU reference's `recordedValues` gives, in
/// the back end's precision.
public protocol DrawRecording {
    /// Row c is chain c's recorded values; nil when this back end cannot compute them for its
    /// model (the caller then records through the CPU reference).
    func recordedValues(_ positions: ChainBatch) throws -> ChainBatch?
    /// Makes the recorded values' program ready before the run's clock starts (the first
    /// `recordedValues` would make it otherwise); whether it can be made is then known.
    func prepareRecording() throws
}

extension DrawRecording {
    public func prepareRecording() throws {}
}
