import Foundation

/// Runs the `leapfrog` binary (`InterruptTests.binary`) as a subprocess with `environment`
/// added to this process's, and returns its exit status and output. A subprocess, since a
/// process loads a dynamic library (or fails to) once.
func runLeapfrog(_ arguments: [String], environment extra: [String: String]) throws
    -> (status: Int32, stdout: String, stderr: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: InterruptTests.binary)
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.merging(extra) { _, new in new }
    return try output(of: process)
}

/// Starts `process` and returns its exit status and everything it wrote.
func output(of process: Process) throws -> (status: Int32, stdout: String, stderr: String) {
    let stdout = Pipe(), stderr = Pipe()
    process.standardOutput = stdout
    process.standardError = stderr
    try process.run()
    let out = stdout.fileHandleForReading.readDataToEndOfFile()
    let err = stderr.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
}
