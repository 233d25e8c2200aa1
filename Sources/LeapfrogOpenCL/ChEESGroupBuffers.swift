import LeapfrogCore

/// The device buffers of a chained ChEES warmup group (`OpenCLTrajectories.enqueueChEESKeepingState`)
/// beyond the transitions' ring, and their host staging: each transition's jitter u, its record
/// (`ChEESTransitionRecord`: the step size it used, the mean gradient term, the step size's
/// statistic) and its chains' log densities; and the staging of the adaptation's state
/// (`ChEESAdaptationState.deviceValues`), whose device buffer lives apart, since it must outlive a
/// group whose buffers grow.
final class ChEESGroupBuffers<R: DeviceReal>: @unchecked Sendable {
    /// Values of a transition's record.
    static var recordValues: Int { 3 }

    let capacity: Int
    let stride: Int
    let jitter, record, logDensity: Buffer<R>
    let hostJitter, hostRecord, hostLogDensity, hostState: UnsafeMutableBufferPointer<R>

    init(context: Context, stride: Int, capacity: Int) throws {
        self.capacity = capacity
        self.stride = stride
        func device(_ count: Int) throws -> Buffer<R> { try Buffer<R>(context: context, count: count) }
        jitter = try device(capacity)
        record = try device(Self.recordValues * capacity)
        logDensity = try device(capacity * stride)
        func host(_ count: Int) -> UnsafeMutableBufferPointer<R> {
            let p = UnsafeMutableBufferPointer<R>.allocate(capacity: count)
            p.initialize(repeating: 0)
            return p
        }
        hostJitter = host(capacity)
        hostRecord = host(Self.recordValues * capacity)
        hostLogDensity = host(capacity * stride)
        hostState = host(ChEESAdaptationState.deviceValueCount)
    }

    deinit {
        hostJitter.deallocate()
        hostRecord.deallocate()
        hostLogDensity.deallocate()
        hostState.deallocate()
    }
}
