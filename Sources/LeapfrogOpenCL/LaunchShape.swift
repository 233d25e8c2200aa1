/// The two launch shapes of a generated kernel.
///
/// - `chainPerWorkItem`: each work-item evaluates W chains (W = 1 on GPUs, the SIMD width on CPU
///   devices), streaming over the plate rows with the gradient in private memory. Many chains,
///   small data.
/// - `workGroupPerChain`: one work-group of `localSize` work-items per chain (W = 1); work-item
///   `lid` takes rows lid, lid + localSize, ..., accumulates its partial log density and gradient,
///   and the work-group sums them through local memory, `reductionColumns` values per pass
///   (bounded by the device's local memory). Few chains, large data (diamonds' N = 5000, digits).
public enum LaunchShape: Sendable, Hashable, CustomStringConvertible {
    case chainPerWorkItem
    case workGroupPerChain(localSize: Int, reductionColumns: Int)

    public var description: String {
        switch self {
        case .chainPerWorkItem: return "work-item per chain"
        case .workGroupPerChain(let local, _): return "work-group of \(local) per chain"
        }
    }
}
