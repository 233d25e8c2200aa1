import Testing
@testable import LeapfrogModels

// Placeholder: replaced by this module's real tests.
@Test func LeapfrogModelsBuilds() { #expect(Bool(true)) }
