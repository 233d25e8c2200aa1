import Testing
@testable import LeapfrogCommands

// Placeholder: replaced by this module's real tests.
@Test func LeapfrogCommandsBuilds() { #expect(Bool(true)) }
