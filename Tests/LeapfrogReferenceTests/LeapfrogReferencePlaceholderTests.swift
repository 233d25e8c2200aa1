import Testing
@testable import LeapfrogReference

// Placeholder: replaced by this module's real tests.
@Test func LeapfrogReferenceBuilds() { #expect(Bool(true)) }
