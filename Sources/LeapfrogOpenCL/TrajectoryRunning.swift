import LeapfrogCore

/// Runs whole HMC transitions of every chain on a device (`OpenCLTrajectories<R>` for either
/// precision), so callers need not know the device's `real`.
public protocol TrajectoryRunning: DeviceTrafficCounting {
    func run(_ launch: TrajectoryLaunch, positions: ChainBatch, logDensity: [Double], gradient: ChainBatch) throws
        -> TrajectoryOutcome
}

extension OpenCLTrajectories: TrajectoryRunning {}
