import Foundation
import LeapfrogCore
import Testing

/// The shared data folder (`shared/data`), found by searching upward from this file: the
/// worktree layout has it at `/work/shared/data`, CI at `<root>/shared/data` beside the clone.
/// `nil` when there is none; tests that need it are then skipped.
let sharedData: URL? = {
    var dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    while dir.path != "/" {
        let candidate = dir.appendingPathComponent("shared/data")
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isDirectory), isDirectory.boolValue {
            return candidate
        }
        dir = dir.deletingLastPathComponent()
    }
    return nil
}()

/// The path of `relative` inside the shared data folder (which must exist).
func sharedPath(_ relative: String) throws -> String {
    try #require(sharedData).appendingPathComponent(relative).path
}

/// Writes `contents` to a new temporary file, runs `body` with its path, then deletes it.
func withTemporaryFile<T>(_ contents: Data, suffix: String, _ body: (String) throws -> T) throws -> T {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("leapfrog-data-test-\(UUID().uuidString)\(suffix)")
    try contents.write(to: url)
    defer { try? FileManager.default.removeItem(at: url) }
    return try body(url.path)
}

/// The `LeapfrogError` that `body` throws; the test fails when it throws none.
func leapfrogError(sourceLocation: SourceLocation = #_sourceLocation,
                   _ body: () throws -> Void) throws -> LeapfrogError {
    try #require(throws: LeapfrogError.self, sourceLocation: sourceLocation) { try body() }
}
