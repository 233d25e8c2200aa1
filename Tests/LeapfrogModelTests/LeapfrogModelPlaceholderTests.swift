import Testing
@testable import LeapfrogModel

// Placeholder: replaced by this module's real tests.
@Test func LeapfrogModelBuilds() { #expect(Bool(true)) }
