import Testing
@testable import LeapfrogCommands

@Test func commandsParse() throws { _ = try LeapfrogCommand.parseAsRoot(["models"]) }
