import Leapfrog

/// How the C ABI's caller names a model (`LEAPFROG_MODEL_…`) and gives its data
/// (`LEAPFROG_DATA_…`), compiled into a `ModelInstance` the way the CLI's `MODEL [--data FILE]
/// [--model-option …]` does, but from text instead of files.
struct ModelSource {
    enum Kind: Int32 {
        /// A built-in model's name (`eight-schools`).
        case builtin = 0
        /// Stan program text.
        case stan = 1
        /// Model-graph JSON text (docs/model-format.md).
        case graphJSON = 2
    }

    enum DataFormat: Int32 {
        /// CmdStan JSON text.
        case json = 0
        /// CSV text (a header row, numeric cells).
        case csv = 1
    }

    var kind: Kind
    /// The name, the Stan text or the graph JSON.
    var text: String
    /// How error messages name the source (`schools.stan` for `schools.stan:3:5: …`).
    var sourceName: String
    var data: String?
    var dataFormat: DataFormat
    /// How error messages name the data (`schools.json`).
    var dataName: String
    /// A built-in model's options, `key=value,key=value`.
    var options: String?

    /// The graph and its data, as the CLI would make them.
    func instantiate() throws -> ModelInstance {
        switch kind {
        case .builtin:
            let builtin = try BuiltinModels.named(text)
            let parsed = try ModelOptions(parsing: options.map { [$0] } ?? [])
            return try builtin.instantiate(options: parsed, data: try dataSource() ?? .bundled)
        case .stan:
            try refuseOptions()
            let program = try StanProgram.compile(source: text, path: sourceName)
            var data = DataSet(source: "")
            switch try dataSource() {
            case .json(let d)?: data = d
            case .table?:
                throw LeapfrogError(.data, "data '\(dataName)': a Stan program reads CmdStan JSON data, not CSV")
            case .bundled?, nil:
                if !program.dataNames.isEmpty {
                    throw LeapfrogError(.data, "Stan program '\(sourceName)' reads data (\(program.dataNames.joined(separator: ", "))): pass its data as CmdStan JSON")
                }
            }
            let (graph, bound) = try program.instantiate(data: data)
            var instance = ModelInstance(graph: graph, data: bound, hostQuantities: try program.hostQuantities(data: data),
                                         nodeSources: program.nodeSources)
            instance.parameterValues = { try program.parameterValues($0, data: data) }
            return instance
        case .graphJSON:
            try refuseOptions()
            let graph = try ModelGraph.fromJSON(text, source: sourceName)
            switch try dataSource() {
            case .json(let d)?: return ModelInstance(graph: graph, data: d)
            case .table(let t)?:
                // As the CLI: each CSV column is a vector named by its header.
                var d = DataSet(source: t.source)
                for name in t.columnNames { d[name] = .vector(try t.column(name)) }
                return ModelInstance(graph: graph, data: d)
            case .bundled?, nil:
                if graph.data.allSatisfy(\.optional) { return ModelInstance(graph: graph, data: DataSet()) }
                throw LeapfrogError(.data, "model '\(sourceName)' reads data (\(graph.data.map(\.name).joined(separator: ", "))): pass its data")
            }
        }
    }

    private func dataSource() throws -> DataSource? {
        guard let data else { return nil }
        switch dataFormat {
        case .json: return .json(try StanJSON.parse(data, source: dataName))
        case .csv: return .table(try CSVTable.parse(data, source: dataName))
        }
    }

    private func refuseOptions() throws {
        if let options, !options.isEmpty {
            throw LeapfrogError(.configuration, "model options apply to built-in models, not to '\(sourceName)'")
        }
    }
}
