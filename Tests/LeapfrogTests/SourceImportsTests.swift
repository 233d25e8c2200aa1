import Foundation
import LeapfrogTestSupport
import Testing

/// The library imports Foundation only where FoundationEssentials is missing
/// (`#if canImport(FoundationEssentials) … #else import Foundation #endif`). One plain
/// `import Foundation` links the whole of Foundation and ICU's ~34 MB of data into the static
/// binary (`scripts/build-static` refuses it): on 2026-12-04 two such files had taken
/// `dist/leapfrog` from 16.6 to 61 MiB stripped, too big to carry to a GPU machine.
@Suite struct SourceImportsTests {
    static let sources: String = {
        let data = RepositoryData.directory
        return String(data[..<data.lastIndex(of: "/")!]) + "/Sources"
    }()

    @Test func foundationIsOnlyTheFallbackOfFoundationEssentials() throws {
        let files = try #require(FileManager.default.enumerator(atPath: Self.sources))
            .compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") }
        #expect(files.count > 100, "found \(files.count) Swift files under \(Self.sources)")
        var plain: [String] = []
        for file in files {
            let text = try String(contentsOfFile: Self.sources + "/" + file, encoding: .utf8)
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
                .map { $0.trimmingCharacters(in: .whitespaces) }
            for (i, line) in lines.enumerated() where line == "import Foundation" {
                let previous = lines[..<i].last { !$0.isEmpty }
                if previous != "#else" { plain.append("Sources/\(file):\(i + 1)") }
            }
        }
        #expect(plain.isEmpty, "plain `import Foundation` (use the canImport(FoundationEssentials) form): \(plain)")
    }
}
