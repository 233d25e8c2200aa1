import Testing
@testable import LeapfrogOutput

// Placeholder: replaced by this module's tests.
@Test func outputBuilds() { #expect(Bool(true)) }
