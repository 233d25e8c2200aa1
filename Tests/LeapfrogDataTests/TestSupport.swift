import Foundation
import LeapfrogCore
import Testing

/// The path of `relative` inside the repository's `data/` folder (provenance in `data/README.md`):
/// the package root is three folders above this file.
func repositoryDataPath(_ relative: String) -> String {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("data").appendingPathComponent(relative).path
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
