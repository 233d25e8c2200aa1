import LeapfrogDiagnostics

/// A sink that keeps only running per-chain moments (`sample --keep moments`) and can take them
/// from the device that made the draws (`MomentsOnDevice`).
public protocol MomentsSink: DrawSink {
    /// What the device should accumulate; nil when this sink needs every draw's values (it
    /// writes them, or computes values a device cannot).
    var momentsOnDevice: (quantities: Int, firstHalf: Int)? { get }
    /// A kept iteration whose values stayed on the device: its diagnostics (divergences, energy,
    /// tree depth), in order.
    func writeDiagnostics(of iteration: SampledIteration) throws
    /// The moments the device accumulated, of every iteration given to `writeDiagnostics`.
    func adoptMoments(_ moments: ChainMoments) throws
}
