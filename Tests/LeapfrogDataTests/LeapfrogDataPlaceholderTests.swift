import Testing
@testable import LeapfrogData

// Placeholder: replaced by this module's real tests.
@Test func LeapfrogDataBuilds() { #expect(Bool(true)) }
