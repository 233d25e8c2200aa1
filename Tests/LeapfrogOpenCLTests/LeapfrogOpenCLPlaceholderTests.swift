import Testing
@testable import LeapfrogOpenCL

// Placeholder: replaced by this module's real tests.
@Test func LeapfrogOpenCLBuilds() { #expect(Bool(true)) }
