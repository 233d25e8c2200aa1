import Testing
@testable import LeapfrogRandom

// Placeholder: replaced by this module's real tests.
@Test func LeapfrogRandomBuilds() { #expect(Bool(true)) }
