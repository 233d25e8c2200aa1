import LeapfrogRandom
import Testing
@testable import LeapfrogSampling

/// `HMCKernel.trajectoryShape`: steps = ⌈time / step size⌉, at least 1 and at most
/// `HMCKernel.maxSteps` (an integration time of 1e308 overflowed the count and trapped).
@Suite struct HMCTrajectoryShapeTests {
    @Test func stepsFollowTheTimeWithinTheirBounds() {
        let random = PhiloxRandom(seed: 3)
        func steps(_ t: HMCTrajectory, _ eps: Double) -> Int {
            HMCKernel(trajectory: t).trajectoryShape(stepSize: eps, chain: 0, iteration: 0, random: random).steps
        }
        #expect(steps(.time(1.0), 0.3) == 4)
        #expect(steps(.time(1e-9), 0.3) == 1)
        #expect(steps(.time(1e308), 0.1) == HMCKernel.maxSteps)
        #expect(steps(.time(1.0), 1e-300) == HMCKernel.maxSteps)
        #expect(steps(.steps(25), 0.1) == 25)
    }
}
