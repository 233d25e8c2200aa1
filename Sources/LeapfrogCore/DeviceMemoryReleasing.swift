/// An evaluator holding device memory sized to its batches (positions, gradients, a kernel's heap
/// of large intermediate values) that it makes again on its next use: `releaseDeviceMemory` gives
/// that memory back now, where the evaluator will not be used again — the fast precision once
/// `PrecisionGuard` has switched to the accurate one for the rest of the run.
public protocol DeviceMemoryReleasing {
    func releaseDeviceMemory()
}
