import ArgumentParser
import Leapfrog

/// `MODEL [--data FILE] [--model-option key=value …]`, shared by every command that evaluates a model.
struct ModelSelection: ParsableArguments {
    @Argument(help: "A built-in model name (see `leapfrog models`), a Stan program (.stan) or a model-graph JSON file (docs/model-format.md).")
    var model: String

    @Option(name: .customLong("data"), help: "Data file: .csv (header row, numeric cells) or .json (CmdStan data). Built-ins with bundled data use it when omitted.")
    var dataFiles: [String] = []

    /// The data file (at most one: a second `--data` had silently replaced the first).
    var data: String? { dataFiles.first }

    func validate() throws {
        if dataFiles.count > 1 {
            throw ValidationError("--data is given \(dataFiles.count) times (\(dataFiles.joined(separator: ", "))); give one data file")
        }
    }

    @Option(name: .customLong("model-option"), help: "A built-in model's option, key=value (repeatable, or several at once: dim=100,kind=iid); `leapfrog models` lists them.")
    var modelOptions: [String] = []

    /// The graph and data, bound and checked; `seed` (the run's) keys a Stan program's
    /// transformed-data `_rng` calls.
    func instantiate(seed: UInt64 = StanModel.defaultSeed) throws -> ModelInstance {
        if model.lowercased().hasSuffix(".stan") {
            guard modelOptions.isEmpty else {
                throw LeapfrogError(.configuration, "--model-option applies to built-in models, not to the Stan program '\(model)'")
            }
            let program = try StanProgram.load(path: model)
            var data = DataSet(source: "")
            if let path = self.data {
                guard case .json(let d) = try DataSource.file(path) else {
                    throw LeapfrogError(.data, "data file '\(path)': a Stan program reads CmdStan JSON data, not CSV")
                }
                data = d
            } else if !program.dataNames.isEmpty {
                throw LeapfrogError(.data, "Stan program '\(model)' reads data (\(program.dataNames.joined(separator: ", "))): pass --data FILE.json")
            }
            let (graph, bound) = try program.instantiate(data: data, seed: seed)
            var instance = ModelInstance(graph: graph, data: bound, hostQuantities: try program.hostQuantities(data: data, seed: seed),
                                         nodeSources: program.nodeSources)
            let read = data
            instance.parameterValues = { try program.parameterValues($0, data: read, seed: seed) }
            return instance
        }
        if model.lowercased().hasSuffix(".json") {
            guard modelOptions.isEmpty else {
                throw LeapfrogError(.configuration, "--model-option applies to built-in models, not to the model file '\(model)'")
            }
            let graph = try ModelGraph.load(path: model)
            guard let data else {
                if graph.data.allSatisfy(\.optional) { return ModelInstance(graph: graph, data: DataSet()) }
                throw LeapfrogError(.data, "model '\(model)' reads data (\(graph.data.map(\.name).joined(separator: ", "))): pass --data FILE")
            }
            switch try DataSource.file(data) {
            case .json(let d): return ModelInstance(graph: graph, data: d)
            case .table(let t):
                // A CSV for a graph model: each column is a vector named by its header.
                var d = DataSet(source: t.source)
                for name in t.columnNames { d[name] = .vector(try t.column(name)) }
                return ModelInstance(graph: graph, data: d)
            case .bundled: fatalError("unreachable")
            }
        }
        let builtin = try BuiltinModels.named(model)
        return try builtin.instantiate(options: try ModelOptions(parsing: modelOptions),
                                       data: try data.map(DataSource.file) ?? .bundled)
    }
}
