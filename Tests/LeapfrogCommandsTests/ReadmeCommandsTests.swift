import ArgumentParser
import Foundation
import Leapfrog
import Testing
@testable import LeapfrogCommands
#if canImport(Glibc)
import Glibc
#endif

/// Every `leapfrog` command in README.md's bash blocks runs, in-process, shrunk for speed:
/// `sample` gets `--warmup 30 --draws 20` and at most 16 chains. Outputs (`--output DIR`,
/// `> FILE`) go to a scratch directory, where later commands find them (`--output runs/schools`,
/// then `diagnose runs/schools/chain-*.csv`); other inputs are files of the repository. An input
/// that is in neither place is a README bug and fails the test.
@Suite(.serialized)
struct ReadmeCommandsTests {
    /// The package root: this file is Tests/LeapfrogCommandsTests/ReadmeCommandsTests.swift.
    static let root: String = {
        var dir = #filePath
        for _ in 0..<3 {
            if let slash = dir.lastIndex(of: "/") { dir = String(dir[..<slash]) }
        }
        return dir
    }()

    /// One `leapfrog` invocation from a README line.
    struct Invocation: CustomStringConvertible {
        var line: Int
        /// The arguments after `leapfrog`.
        var arguments: [String]
        /// `> FILE`: the command's standard output goes to FILE.
        var redirect: String?
        var description: String {
            "README.md:\(line): leapfrog \(arguments.joined(separator: " "))" + (redirect.map { " > \($0)" } ?? "")
        }
    }

    /// The ways a README line invokes the CLI.
    static let launchers: [[String]] = [["swift", "run", "-c", "release", "leapfrog"], ["swift", "run", "leapfrog"],
                                        ["leapfrog"], ["dist/leapfrog"]]

    /// README commands that are not `leapfrog` invocations and are not run here, and why.
    static let notRun: [(prefix: String, reason: String)] = [
        ("scripts/", "installs packages or makes a release build"),
        ("swift test", "the test suite itself"),
        ("pip install", "installs the Python package (scripts/test-python does, then runs python/tests)"),
        ("python -c", "the Python package (python/tests/test_readme.py runs the README's Python example)"),
        ("mpirun", "four ranks of a BNN run (MPISampleTests runs `mpirun -n 2 leapfrog sample` on eight schools)"),
    ]

    /// The `leapfrog` invocations of the bash blocks, in order; the commands not run, with the
    /// reason; and lines in a form not understood here (these fail the test).
    static func invocations(_ readme: String) -> (found: [Invocation], skipped: [String], unrecognised: [String]) {
        var found: [Invocation] = [], skipped: [String] = [], unrecognised: [String] = []
        var inBash = false
        for (index, raw) in readme.components(separatedBy: "\n").enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("```") { inBash = !inBash && line == "```bash"; continue }
            guard inBash else { continue }
            // Drop a comment: `#` at the start or after a space.
            var code = line
            if code.hasPrefix("#") { code = "" }
            if let comment = code.range(of: " #") { code = String(code[..<comment.lowerBound]) }
            for segment in code.components(separatedBy: "&&") {
                let text = segment.trimmingCharacters(in: .whitespaces)
                var words = text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
                if words.isEmpty { continue }
                guard let launcher = launchers.first(where: { words.starts(with: $0) }) else {
                    if let skip = notRun.first(where: { text.hasPrefix($0.prefix) }) {
                        skipped.append("README.md:\(index + 1): \(text): \(skip.reason)")
                    } else {
                        unrecognised.append("README.md:\(index + 1): \(text)")
                    }
                    continue
                }
                words.removeFirst(launcher.count)
                var redirect: String?
                if let arrow = words.firstIndex(of: ">"), arrow == words.count - 2 {
                    redirect = words[arrow + 1]
                    words.removeLast(2)
                }
                if words.contains(where: { $0.contains(">") || $0.contains("<") || $0.contains("|") }) {
                    skipped.append("README.md:\(index + 1): \(text): a pipe or redirection this test does not emulate")
                    continue
                }
                if words.contains(where: { $0.contains("\"") || $0.contains("'") || $0.contains("$") }) {
                    unrecognised.append("README.md:\(index + 1): \(text) (quoting or variables)")
                    continue
                }
                found.append(Invocation(line: index + 1, arguments: words, redirect: redirect))
            }
        }
        return (found, skipped, unrecognised)
    }

    /// `sample` shrunk: `--warmup 30 --draws 20` appended (a later option overrides an earlier
    /// one) and `--chains` capped at 16; `variational` shrunk to `--iterations 200 --draws 100`,
    /// `pathfinder` to `--iterations 50 --draws 100`.
    static func shrunk(_ arguments: [String]) -> [String] {
        if arguments.first == "variational" || arguments.first == "vi" { return arguments + ["--iterations", "200", "--draws", "100"] }
        if arguments.first == "pathfinder" { return arguments + ["--iterations", "50", "--draws", "100"] }
        guard arguments.first == "sample" else { return arguments }
        var args = arguments
        if let i = args.firstIndex(of: "--chains"), i + 1 < args.count, let c = Int(args[i + 1]), c > 16 {
            args[i + 1] = "16"
        }
        return args + ["--warmup", "30", "--draws", "20"]
    }

    /// Options whose value is a path.
    static let pathOptions: Set<String> = ["--data", "--output", "--params"]

    /// Whether `word`, a positional argument, names a file: it has a folder or a file extension.
    static func isPath(_ word: String) -> Bool {
        !word.hasPrefix("-") && (word.contains("/") || [".json", ".csv", ".stan", ".nc"].contains { word.hasSuffix($0) })
    }

    /// README paths resolved. An `--output` directory goes in `scratch`; an input is looked for
    /// in `scratch` first (a file an earlier command wrote), then in the repository. A last
    /// component with `*` expands as the shell would (sorted matches). Inputs found in neither
    /// place are returned in `missing`.
    static func resolve(_ arguments: [String], scratch: String) -> (arguments: [String], missing: [String]) {
        var out: [String] = [], missing: [String] = []
        for (k, word) in arguments.enumerated() {
            let option = k > 0 ? arguments[k - 1] : ""
            guard pathOptions.contains(option) || (isPath(word) && !pathOptions.contains(word)) else {
                out.append(word); continue
            }
            if option == "--output" { out.append(scratch + "/" + word); continue }
            if word.contains("*") {
                let matches = [scratch, root].lazy.map { glob($0 + "/" + word) }.first { !$0.isEmpty } ?? []
                if matches.isEmpty { missing.append(word) }
                out += matches
                continue
            }
            let found = [scratch, root].map { $0 + "/" + word }.first { FileManager.default.fileExists(atPath: $0) }
            if found == nil { missing.append(word) }
            out.append(found ?? word)
        }
        return (out, missing)
    }

    /// The files matching a path whose last component has `*` wildcards.
    static func glob(_ pattern: String) -> [String] {
        let folder = (pattern as NSString).deletingLastPathComponent, name = (pattern as NSString).lastPathComponent
        let parts = name.components(separatedBy: "*")
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return [] }
        return entries.filter { entry in
            guard entry.hasPrefix(parts.first!), entry.hasSuffix(parts.last!), entry.count >= name.count - parts.count + 1 else { return false }
            var rest = Substring(entry.dropFirst(parts.first!.count))
            for part in parts.dropFirst().dropLast() {
                guard let r = rest.range(of: part) else { return false }
                rest = rest[r.upperBound...]
            }
            return rest.hasSuffix(parts.last!)
        }.sorted().map { folder + "/" + $0 }
    }

    /// Runs `body` with the process's standard output going to `path` (created or replaced).
    static func withStandardOutput(to path: String, _ body: () throws -> Void) throws {
        fflush(stdout)
        let file = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard file >= 0 else { throw LeapfrogError(.io, "cannot create \(path)") }
        let saved = dup(STDOUT_FILENO)
        dup2(file, STDOUT_FILENO)
        close(file)
        defer {
            fflush(stdout)
            dup2(saved, STDOUT_FILENO)
            close(saved)
        }
        try body()
    }

    static var openCLDevice: Bool { (try? OpenCLRuntime.device()) != nil }

    @Test func shrinkingOverridesTheReadmeSizes() throws {
        let args = Self.shrunk(["sample", "gaussian", "--chains", "256", "--warmup", "1000", "--draws", "1000"])
        let command = try #require(try LeapfrogCommand.parseAsRoot(args) as? SampleCommand)
        #expect(command.chains == 16 && command.warmup == 30 && command.draws == 20)
        #expect(Self.shrunk(["eval", "bnn", "--chains", "300"]) == ["eval", "bnn", "--chains", "300"])
    }

    @Test func readmeCommandsRun() throws {
        let readme = try String(contentsOfFile: Self.root + "/README.md", encoding: .utf8)
        let (invocations, notRun, unrecognised) = Self.invocations(readme)
        var skipped = notRun
        #expect(unrecognised.isEmpty, "README commands this test neither runs nor lists in notRun: \(unrecognised)")
        #expect(invocations.count >= 8, "found only \(invocations.map(\.description))")

        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("leapfrog-readme-\(getpid())").path
        try? FileManager.default.removeItem(atPath: scratch)
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }

        for invocation in invocations {
            if invocation.arguments.contains("opencl") && !Self.openCLDevice {
                skipped.append("\(invocation): no OpenCL device")
                continue
            }
            let (arguments, missing) = Self.resolve(Self.shrunk(invocation.arguments), scratch: scratch)
            guard missing.isEmpty else {
                Issue.record("\(invocation): \(missing.joined(separator: ", ")) not in the repository (README bug)")
                continue
            }
            let output = invocation.redirect.map { scratch + "/" + $0 } ?? scratch + "/stdout.txt"
            do {
                var command = try LeapfrogCommand.parseAsRoot(arguments)
                try Self.withStandardOutput(to: output) { try command.run() }
                let printed = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
                #expect(!printed.isEmpty, "\(invocation) printed nothing")
            } catch let exit as ExitCode where exit.isSuccess {
            } catch {
                Issue.record("\(invocation) failed: \(LeapfrogCommand.message(for: error))")
            }
        }
        // Printed so that a run shows what it did not check.
        print("README commands not run:\n" + skipped.joined(separator: "\n"))
    }
}
