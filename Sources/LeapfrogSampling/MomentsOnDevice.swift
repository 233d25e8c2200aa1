import LeapfrogDiagnostics

/// A stream's request to keep only its kept iterations' running per-chain moments (`--keep
/// moments`), accumulated on the device that makes the draws, so that nothing of size chains ×
/// draws × values crosses the bus.
///
/// An executor that can (`DeviceTransitionExecutor` when the device computes the recorded values)
/// delivers each kept iteration with `SampledIteration.keptOnDevice` and no values, and calls
/// `finish` once, when the stream ends (also after a stop), with the moments of every kept
/// iteration it delivered. `deliver` then takes each group whole: returning false stops after the
/// group (the group still in flight is dropped). An executor that cannot delivers the values as
/// usual and never calls `finish`; the sink accumulates them on the host (`ChainMoments.add`,
/// the readable twin).
public struct MomentsOnDevice {
    /// Values per chain and draw: lp__, then the recorded values (constrained parameters, derived
    /// quantities). An executor whose device computes another number of values declines.
    public var quantities: Int
    /// Kept iterations in the first half of each chain (`ChainMoments`' split R̂); the rest go to
    /// the second.
    public var firstHalf: Int
    /// Receives the moments of every kept iteration delivered.
    public var finish: (ChainMoments) throws -> Void

    public init(quantities: Int, firstHalf: Int, finish: @escaping (ChainMoments) throws -> Void) {
        self.quantities = quantities
        self.firstHalf = firstHalf
        self.finish = finish
    }
}
