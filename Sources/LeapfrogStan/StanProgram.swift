import LeapfrogCore
import LeapfrogData
import LeapfrogModel
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The Stan-language front end: compiles a subset of Stan to a `ModelGraph`.
///
/// ```swift
/// let model = try StanProgram.load(path: "eight_schools.stan")
/// let (graph, data) = try model.instantiate(data: StanJSON.load(path: "eight_schools.json"))
/// let reference = try ReferenceModel(graph: graph, data: data)
/// ```
///
/// Log densities keep every normalising constant, also for `~` (Stan drops them there), so they
/// differ from Stan's `lp__` by a constant, which samplers ignore. Half-distributions arise from
/// `<lower=0>` bounds on the full family (`tau ~ cauchy(0, 5)`), which again differs from the
/// half family only by a constant.
///
/// Bind the graph through `StanModel.instantiate(data:)` (or `prepareData`): it checks the data,
/// runs transformed data, fills in data-dependent bounds, and adds the synthetic variables the
/// graph reads (`__size1` for a size like `N + 1`, `__index2` for `x[3]`, `__fill3` for the ones
/// and zeros behind `rep_vector` and row sums, `__cond4` for an `if` on data).
public enum StanProgram {
    /// Compiles Stan `source`; `path` names it in error messages (`path:line:column`).
    public static func compile(source: String, path: String = "model.stan") throws -> StanModel {
        let diagnostics = Diagnostics(path: path, source: source)
        var lexer = Lexer(source: source, diagnostics: diagnostics)
        var parser = Parser(tokens: try lexer.tokenize(), diagnostics: diagnostics)
        let program = StanLibrary.adding(to: try parser.parseProgram())
        var lowering = Lowering(program: program, diagnostics: diagnostics, name: modelName(path))
        let graph: ModelGraph
        do {
            graph = try lowering.lower()
        } catch where lowering.block == .generatedQuantities {
            // Generated quantities the graph cannot express (control flow on parameters) run on
            // the host per draw; a fresh lowering leaves them out of the graph. If the host
            // cannot run them either, its check says why.
            lowering = Lowering(program: program, diagnostics: diagnostics, name: modelName(path))
            lowering.generatedQuantitiesOnHost = true
            graph = try lowering.lower()
        }
        return StanModel(graph: graph, program: program, diagnostics: diagnostics,
                         synthetic: lowering.synthetic, pendingBounds: lowering.pendingBounds,
                         conditionalTerms: lowering.conditionalTerms, conditionalChoices: lowering.conditionalChoices, sizeChecks: lowering.sizeChecks,
                         outcomeChecks: lowering.outcomeChecks, rowTermNodes: lowering.rowTermNodes,
                         generatedQuantitiesOnHost: lowering.generatedQuantitiesOnHost, nodeSources: lowering.nodeSources)
    }

    /// Reads and compiles the Stan file at `path`. A file that cannot be read is a `.io` error
    /// naming the path and the system's reason (`cannot read Stan file 'm.stan': No such file or
    /// directory`).
    public static func load(path: String) throws -> StanModel {
        func failure() -> LeapfrogError {
            LeapfrogError(.io, "cannot read Stan file '\(path)': \(String(cString: strerror(errno)))")
        }
        guard let f = fopen(path, "rb") else { throw failure() }
        defer { fclose(f) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = fread(&buffer, 1, buffer.count, f)
            if n <= 0 { break }
            bytes += buffer[0..<n]
        }
        if ferror(f) != 0 { throw failure() }     // e.g. a directory: fopen succeeds, fread fails with EISDIR
        return try compile(source: String(decoding: bytes, as: UTF8.self), path: path)
    }

    /// `models/eight_schools.stan` → `eight_schools`.
    static func modelName(_ path: String) -> String {
        var name = path.split(separator: "/").last.map(String.init) ?? path
        if name.hasSuffix(".stan") { name.removeLast(5) }
        return name.isEmpty ? "stan" : name
    }
}
