import Testing
@testable import LeapfrogStan

@Test func stanBuilds() { #expect(Bool(true)) }
