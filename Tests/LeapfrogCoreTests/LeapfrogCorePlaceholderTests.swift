import Testing
@testable import LeapfrogCore

// Placeholder: replaced by this module's real tests.
@Test func LeapfrogCoreBuilds() { #expect(Bool(true)) }
