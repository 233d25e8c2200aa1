import Testing
@testable import LeapfrogDiagnostics

// Placeholder: replaced by this module's real tests.
@Test func LeapfrogDiagnosticsBuilds() { #expect(Bool(true)) }
