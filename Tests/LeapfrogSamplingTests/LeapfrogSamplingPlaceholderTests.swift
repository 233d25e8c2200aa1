import Testing
@testable import LeapfrogSampling

// Placeholder: replaced by this module's real tests.
@Test func LeapfrogSamplingBuilds() { #expect(Bool(true)) }
